/**
 * One OS process of the concurrency proofs. `MODE=burst`: waits for "go" on stdin, then runs
 * 200 concurrent acquirers on one key, each counting itself in and out of a shared Redis
 * counter while it holds its slot, and prints the highest count it saw as one JSON line.
 * `MODE=hold`: takes one slot, prints "held", and keeps it (renewing) until it is killed.
 */
import { createInterface } from 'node:readline';
import { Cluster, Redis } from 'ioredis';
import { createConcurrencyLimiter } from '../concurrency-limiter.js';
import { createRedisConcurrencyStore } from '../redis-concurrency-store.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const ACQUIRERS = 200;
const CYCLES = 2;
const key = env('KEY');
const limit = Number(env('LIMIT'));
const leaseMs = Number(process.env.LEASE_MS ?? 30_000);
const nodes = process.env.CLUSTER_NODES;
const client = nodes
  ? new Cluster(
      nodes.split(',').map((entry) => {
        const [host, port] = entry.split(':');
        return { host, port: Number(port) };
      }),
    )
  : new Redis(env('REDIS_URL'));
const limiter = createConcurrencyLimiter({
  store: createRedisConcurrencyStore({ client, prefix: env('PREFIX') }),
  limit,
  leaseMs,
  maxQueue: ACQUIRERS,
  maxWaitMs: 120_000,
  storeTimeoutMs: 10_000,
  failMode: 'closed',
});

if (env('MODE') === 'hold') {
  const decision = await limiter.acquire(key, { maxWaitMs: 0 });
  process.stdout.write(decision.acquired ? 'held\n' : `refused ${decision.reason}\n`);
  // Renewal timers are unref'd: this keeps the process (and its lease) alive until SIGKILL.
  setInterval(() => undefined, 60_000);
} else {
  const counter = new Redis(env('COUNTER_URL'));
  const counterKey = env('COUNTER_KEY');
  await Promise.all([client.ping(), counter.ping()]);
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  // An open stdin would keep this process alive after its work.
  lines.close();
  process.stdin.destroy();

  let maxSeen = 0;
  let grants = 0;
  await Promise.all(
    Array.from({ length: ACQUIRERS }, async (_, index) => {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const decision = await limiter.acquire(key);
        if (!decision.acquired) throw new Error(`no slot: ${decision.reason}`);
        grants++;
        // Counted in only once the slot is granted, out before it is released: the counter can
        // only exceed the limit if two processes believed they held the same slot.
        maxSeen = Math.max(maxSeen, await counter.incr(counterKey));
        await new Promise((resolve) => setTimeout(resolve, index % 3));
        await counter.decr(counterKey);
        await decision.lease.release();
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ maxSeen, grants })}\n`);
  counter.disconnect();
  client.disconnect();
}
