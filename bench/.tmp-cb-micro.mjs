import { createCircuitBreaker } from '@breakwater/circuit-breaker';
import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
const work = async () => 1;
const ours = createCircuitBreaker({ name: 'x' });
const cock = circuitBreaker(handleAll, { halfOpenAfter: 1e4, breaker: new ConsecutiveBreaker(5) });
const sig = new AbortController().signal;
async function wrap(fn) { const v = await fn(sig); return v; }
const tasks = {
  direct: () => work(),
  wrap: () => wrap(work),
  ours: () => ours.execute(work),
  cockatiel: () => cock.execute(work),
};
const N = 10000;
const results = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
for (let round = 0; round < 40; round++) {
  for (const [name, fn] of Object.entries(tasks)) {
    const t = performance.now();
    for (let i = 0; i < N; i++) await fn();
    results[name].push(((performance.now() - t) * 1e6) / N);
  }
}
for (const [name, list] of Object.entries(results)) {
  list.sort((a, b) => a - b);
  console.log(name.padEnd(10), 'p25', list[10].toFixed(0), 'min', list[0].toFixed(0));
}
