/**
 * One OS process of the contention test: waits for "go" on stdin, then fires 200 concurrent
 * calls per scenario at the shared Redis, through a store that sends one EVALSHA per decision
 * and through one that batches, and prints what it was granted as one JSON line.
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createRateLimiter } from '../rate-limiter.js';
import { createRedisStore } from '../redis-store.js';
import { CONTENTION_TIERS } from './contention-tiers.js';

const CONCURRENCY = 200;
const client = new Redis(process.env.REDIS_URL as string);
const limiterFor = (batch: boolean) =>
  createRateLimiter({
    store: createRedisStore({
      client,
      prefix: `${process.env.PREFIX}:${batch}`,
      batch,
      // The claim here is exactness under contention, not latency: on a loaded machine 800
      // racing commands may take longer than the default timeout, which would fail open.
      commandTimeoutMs: 60_000,
    }),
    tiers: CONTENTION_TIERS,
    defaultTier: 'REQ',
    blockedCache: false,
  });
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

await client.ping();
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
// An open stdin would keep this process alive after its work.
lines.close();
process.stdin.destroy();

async function scenarios(batch: boolean) {
  const limiter = limiterFor(batch);
  const [requests, reservations, mixed] = await Promise.all([
    Promise.all(Array.from({ length: CONCURRENCY }, () => limiter.limit('req', { tier: 'REQ' }))),
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const reservation = await limiter.reserve('tok', { tier: 'TOK', estimate: 100 });
        if (!reservation.allowed) return undefined;
        const remaining = reservation.decision.policies[1]?.remaining;
        await pause();
        await reservation.commit(100);
        return remaining;
      }),
    ),
    Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, index) => {
        const reservation = await limiter.reserve('mix', { tier: 'MIX', estimate: 100 });
        if (!reservation.allowed) return 0;
        await pause();
        if (index % 3 === 0) {
          await reservation.release();
          return 0;
        }
        const actual = index % 3 === 1 ? 100 : (index * 37) % 101;
        await reservation.commit(actual);
        return actual;
      }),
    ),
  ]);

  return {
    requests: requests.filter((decision) => decision.allowed).map((decision) => decision.remaining),
    reservations: reservations.filter((remaining) => remaining !== undefined),
    committed: mixed.reduce((sum, actual) => sum + actual, 0),
  };
}

const [single, batched] = await Promise.all([scenarios(false), scenarios(true)]);
process.stdout.write(`${JSON.stringify({ single, batched })}\n`);
client.disconnect();
