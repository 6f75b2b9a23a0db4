import { createCircuitBreaker } from '@breakwater/circuit-breaker';
const ours = createCircuitBreaker({ name: 'x' });
const work = async () => 1;
const sig = new AbortController().signal;
async function wrap(fn) { const v = await fn(sig); return v; }
function outer(fn, options) { if (options === undefined) return wrap(fn); return null; }
class B {
  constructor() { this.total = 0; this.epoch = 0; this.timed = false; this.s = 0; this.ring = new Uint8Array(100); this.i = 0; this.c = 0; this.f = 0; this.state = 'CLOSED'; this.consecutive = 0; }
  execute(fn, options) { if (this.state === 'CLOSED' && (options === undefined)) return this.run(fn, undefined); return null; }
  async run(fn, signal) {
    this.total++; const epoch = this.epoch; const startedAt = this.timed ? Date.now() : -1;
    let value;
    try { value = await fn(signal ?? sig); } catch (e) { throw e; }
    this.settle(epoch, startedAt);
    return value;
  }
  settle(epoch, startedAt) { this.s++; if (epoch !== this.epoch) return; if (this.state !== 'CLOSED') return; this.consecutive = 0; const i = this.i; if (this.c === 100) { const o = this.ring[i]; if (o & 1) this.f--; } else this.c++; this.ring[i] = 0; this.i = i + 1 === 100 ? 0 : i + 1; }
}
const b = new B();
async function asyncExec(fn, options) { if (b.state === 'CLOSED' && options === undefined) { b.total++; const epoch = b.epoch; const v = await fn(sig); b.settle(epoch, -1); return v; } }
const tasks = { direct: () => work(), wrap: () => wrap(work), outer: () => outer(work), replica: () => b.execute(work), asyncExec: () => asyncExec(work), ours: () => ours.execute(work) };
const N = 10000;
const results = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
for (let round = 0; round < 40; round++) for (const [name, fn] of Object.entries(tasks)) { const t = performance.now(); for (let i = 0; i < N; i++) await fn(); results[name].push(((performance.now() - t) * 1e6) / N); }
for (const [name, list] of Object.entries(results)) { list.sort((a, b) => a - b); console.log(name.padEnd(10), 'p25', list[10].toFixed(0), 'min', list[0].toFixed(0)); }
