/**
 * The concurrency limiter of @breakwater/rate-limit: one acquire + release on Redis against
 * two raw floors of the same two round trips (an INCR and a DECR; the store's own acquire
 * script and a ZREM) sent by the same ioredis client, at concurrency 1 and 200; and in memory
 * against cockatiel's in-process bulkhead.
 */

import { randomUUID } from 'node:crypto';
import { createConcurrencyLimiter, createRedisConcurrencyStore } from '@breakwater/rate-limit';
import { bulkhead } from 'cockatiel';
// The store's own acquire script, sent raw: what the limiter adds on top of its Redis work.
import { ACQUIRE_SCRIPT } from '../packages/rate-limit/src/concurrency/concurrency-scripts.js';
import { withBenchRedis } from './lib/bench-redis.js';
import { bestOfTwo, formatOps, formatRatio, markdownTable, sequential } from './lib/measure.js';

/** Sequential cycles per measured iteration, so timer overhead stays out of the numbers. */
const REDIS_BATCH = 10;
const MEMORY_BATCH = 100;
const CONCURRENCY = 200;
/** High enough that no cycle is ever refused: the rows measure the granted path. */
const LIMIT = 1_000_000;

async function cycle(limiter: ReturnType<typeof createConcurrencyLimiter>, key: string) {
  const decision = await limiter.acquire(key);
  if (!decision.acquired) throw new Error(`refused: ${decision.reason}`);
  await decision.lease.release();
}

async function redisSection() {
  return withBenchRedis(async (client) => {
    const ours = createConcurrencyLimiter({
      store: createRedisConcurrencyStore({ client, prefix: 'bench' }),
      limit: LIMIT,
    });
    // The least any cross-process limiter with a release can send: two commands on one key.
    const raw = async () => {
      await client.incr('raw:in-flight');
      await client.decr('raw:in-flight');
    };
    await client.script('LOAD', ACQUIRE_SCRIPT.source);
    const script = async () => {
      const leaseId = randomUUID();
      await client.evalsha(ACQUIRE_SCRIPT.sha, 1, '{raw:script}', leaseId, LIMIT, 30_000);
      await client.zrem('{raw:script}', leaseId);
    };
    const burst = (call: () => Promise<unknown>) =>
      Promise.all(Array.from({ length: CONCURRENCY }, call));
    return await bestOfTwo(
      {
        'raw c1': () => sequential(REDIS_BATCH, raw),
        'script c1': () => sequential(REDIS_BATCH, script),
        'ours c1': () => sequential(REDIS_BATCH, () => cycle(ours, 'model')),
        'raw c200': () => burst(raw),
        'script c200': () => burst(script),
        'ours c200': () => burst(() => cycle(ours, 'model')),
      },
      { timeMs: 1_000, warmupMs: 300 },
      (name) => (name.endsWith('c1') ? REDIS_BATCH : CONCURRENCY),
    );
  });
}

async function memorySection() {
  const ours = createConcurrencyLimiter({ limit: LIMIT });
  const cockatiel = bulkhead(LIMIT);
  const nothing = async () => undefined;
  return bestOfTwo(
    {
      ours: () => sequential(MEMORY_BATCH, () => cycle(ours, 'model')),
      cockatiel: () => sequential(MEMORY_BATCH, () => cockatiel.execute(nothing)),
    },
    { timeMs: 1_000, warmupMs: 300 },
    () => MEMORY_BATCH,
  );
}

export default async function concurrencyBench(): Promise<string> {
  const redis = await redisSection();
  const memory = await memorySection();
  const r = (name: string) => redis[name] as number;
  const m = (name: string) => memory[name] as number;
  const redisTable = markdownTable(
    [
      'Acquire + release on Redis',
      'raw INCR + DECR (cycles/s)',
      'raw acquire script + ZREM (cycles/s)',
      'ours (cycles/s)',
      'ours / INCR + DECR',
      'ours / raw script',
    ],
    (['c1', 'c200'] as const).map((level) => [
      level === 'c1' ? 'concurrency 1' : `concurrency ${CONCURRENCY}`,
      formatOps(r(`raw ${level}`)),
      formatOps(r(`script ${level}`)),
      formatOps(r(`ours ${level}`)),
      formatRatio(r(`ours ${level}`) / r(`raw ${level}`)),
      formatRatio(r(`ours ${level}`) / r(`script ${level}`)),
    ]),
  );
  const memoryTable = markdownTable(
    ['Acquire + release in memory', 'ours (cycles/s)', 'cockatiel bulkhead (cycles/s)', 'ratio'],
    [
      [
        'one key, never full',
        formatOps(m('ours')),
        formatOps(m('cockatiel')),
        formatRatio(m('ours') / m('cockatiel')),
      ],
    ],
  );
  return `## Concurrency limits

${redisTable}

${memoryTable}

Method: tinybench in one process, every task measured twice (the second pass in reverse order)
keeping its better pass. A cycle is \`limiter.acquire(key)\` then \`lease.release()\` on one key
whose limit is never reached: on Redis the acquire script (expired leases dropped, count
checked, lease added on the server's clock) and a \`ZREM\`, one round trip each. Two floors on
the same ioredis client and local redis-server: plain \`INCR\` and \`DECR\` (the least two round
trips can cost; a counter cannot expire a dead holder's slot), and the same acquire script and
\`ZREM\` sent raw (what the limiter adds in JavaScript: lease ids, store-call timeouts, events,
renewal bookkeeping).
Redis tasks run 10 sequential cycles (concurrency 1) or 200 concurrent ones per iteration;
memory tasks 100 sequential cycles, against cockatiel's \`bulkhead(limit).execute()\` of an
empty async function (in-process only, no leases).
`;
}
