import { startRedisServer, useRedis } from '@breakwater/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeRemoteStoreFaults } from './__fixtures__/remote-store-faults.js';
import { describeStoreContract } from './__fixtures__/store-contract.js';
import { createMemoryStore } from './memory-store.js';
import type { StoreRequest } from './rate-limit-store.js';
import type { RateLimitTier } from './rate-limit-tier.js';
import { createRateLimiter } from './rate-limiter.js';
import { tierScript } from './redis-script.js';
import { createRedisStore, createRedisStoreInternal } from './redis-store.js';
import { TierPlan } from './tier-plan.js';
import { TIER_PRESETS } from './tier-presets.js';

describe('RedisStore on one Redis server', () => {
  const redis = useRedis();
  let sequence = 0;

  describeStoreContract('RedisStore', {
    store: () => createRedisStore({ client: redis.client, prefix: `${redis.prefix}rl` }),
    key: (name) => `${name}:${++sequence}`,
  });

  describeRemoteStoreFaults('RedisStore', {
    client: () => redis.client,
    prefix: () => `${redis.prefix}f${++sequence}`,
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps every key of a subject under one hash tag', async () => {
    const store = createRedisStore({ client: redis.client, prefix: `${redis.prefix}rl` });
    const limiter = createRateLimiter({ store });
    await limiter.reserve('user:42', { estimate: 10 });
    const keys = (await redis.client.keys(`*${redis.prefix}*`)).sort();
    expect(keys).toEqual([`{${redis.prefix}rl:user:42}`, `{${redis.prefix}rl:user:42}:h`]);
    expect(store.keyOf('user:42')).toBe(`{${redis.prefix}rl:user:42}`);
    expect(await redis.client.pttl(keys[0] as string)).toBeGreaterThan(2 * 86_400_000);
  });

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT)', async () => {
    // A server of its own: on the shared one, a test running in parallel may load the script
    // again between the flush and the check.
    const server = await startRedisServer();
    const client = new Redis(server.url);
    try {
      const limiter = createRateLimiter({ store: createRedisStore({ client, prefix: 'rl' }) });
      expect((await limiter.limit('flush')).remaining).toBe(9);
      const { sha } = tierScript(
        new TierPlan('FREE', TIER_PRESETS.FREE, {
          algorithm: 'sliding-window',
          reservationTtlMs: 900_000,
        }),
      );
      await client.script('FLUSH');
      expect(await client.script('EXISTS', sha)).toEqual([0]);
      expect((await limiter.limit('flush')).remaining).toBe(8);
      expect(await client.script('EXISTS', sha)).toEqual([1]);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it("decides on the Redis server's clock, not the app server's", async () => {
    const limiter = createRateLimiter({
      store: createRedisStore({ client: redis.client, prefix: `${redis.prefix}rl` }),
      blockedCache: false,
    });
    const realNow = Date.now();
    // The app server believes it is 2001; Redis knows better.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2001-01-01T00:00:00Z') });
    const decision = await limiter.limit('clock');
    const minute = decision.policies[0]!;
    expect(minute.resetAt).toBeGreaterThan(realNow);
    expect(minute.resetAt).toBeLessThanOrEqual(realNow + 120_000);
  });

  it('batches the decisions of one tick into one script run, each still exact', async () => {
    const calls = { evalsha: 0 };
    const client = redis.client;
    const counting = {
      evalsha: ((...args: Parameters<typeof client.evalsha>) => {
        calls.evalsha++;
        return client.evalsha(...args);
      }) as typeof client.evalsha,
      eval: client.eval.bind(client) as typeof client.eval,
      del: client.del.bind(client) as typeof client.del,
    };
    const tiers = { T: { windows: [{ name: 'day', limit: 37, windowMs: 86_400_000 }] } };
    const batched = createRateLimiter({
      store: createRedisStore({ client: counting, prefix: `${redis.prefix}b` }),
      tiers,
      blockedCache: false,
    });
    const decisions = await Promise.all(
      Array.from({ length: 250 }, (_, index) => batched.limit(`k${index % 2}`)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(74);
    expect(calls.evalsha).toBe(3);
    calls.evalsha = 0;
    const unbatched = createRateLimiter({
      store: createRedisStore({ client: counting, prefix: `${redis.prefix}u`, batch: false }),
      tiers,
    });
    await Promise.all(Array.from({ length: 10 }, () => unbatched.limit('k')));
    expect(calls.evalsha).toBe(10);
  });

  it('batches limits and reservations together, in order, with either reply format', async () => {
    const client = redis.client;
    const calls = { packed: 0, table: 0 };
    // ioredis clients have callBuffer (packed doubles); a client with evalsha only gets integers.
    const packedClient = {
      evalsha: client.evalsha.bind(client) as typeof client.evalsha,
      eval: client.eval.bind(client) as typeof client.eval,
      del: client.del.bind(client) as typeof client.del,
      callBuffer: ((...args: Parameters<typeof client.callBuffer>) => {
        if (args[0] === 'evalsha') calls.packed++;
        return client.callBuffer(...args);
      }) as typeof client.callBuffer,
    };
    const tableClient = {
      evalsha: ((...args: Parameters<typeof client.evalsha>) => {
        calls.table++;
        return client.evalsha(...args);
      }) as typeof client.evalsha,
      eval: client.eval.bind(client) as typeof client.eval,
      del: client.del.bind(client) as typeof client.del,
    };
    const tiers = {
      T: {
        windows: [
          { name: 'day', limit: 5, windowMs: 86_400_000 },
          { name: 'tokens', limit: 100, windowMs: 86_400_000, unit: 'tokens' as const },
        ],
      },
    };
    for (const [format, scriptClient] of [
      ['packed', packedClient],
      ['table', tableClient],
    ] as const) {
      const limiter = createRateLimiter({
        store: createRedisStore({ client: scriptClient, prefix: `${redis.prefix}${format}` }),
        tiers,
        blockedCache: false,
      });
      const [first, held, second, refused, other, over] = await Promise.all([
        limiter.limit('a'),
        limiter.reserve('a', { estimate: 60, cost: 0 }),
        limiter.limit('a', { cost: 2 }),
        limiter.reserve('a', { estimate: 60 }),
        limiter.limit('b', { cost: 3 }),
        limiter.limit('a', { cost: 3 }),
      ]);
      expect(calls[format]).toBe(1);
      const remaining = (decision: { policies: readonly { remaining: number }[] }) =>
        decision.policies.map((policy) => policy.remaining);
      expect(first).toMatchObject({ allowed: true, remaining: 4 });
      expect(held.allowed).toBe(true);
      expect(held.tokens).toBe(60);
      expect(remaining(held.decision)).toEqual([4, 40]);
      expect(remaining(second)).toEqual([2, 40]);
      expect(refused.decision).toMatchObject({
        allowed: false,
        reason: 'token-budget-exceeded',
      });
      expect(remaining(other)).toEqual([2, 100]);
      expect(over).toMatchObject({ allowed: false, reason: 'limit-exceeded', remaining: 2 });
      expect(await held.commit(50)).toMatchObject({ hold: 'settled' });
      expect((await limiter.getQuota('a')).usage).toMatchObject({
        requestsToday: 3,
        tokensToday: 50,
      });
    }
  });

  it('validates its options', () => {
    expect(() => createRedisStore({ client: {} as never })).toThrow(
      'client must be an ioredis Redis or Cluster (evalsha and eval needed)',
    );
    expect(() => createRedisStore({ client: redis.client, prefix: 'a{b' })).toThrow(
      'prefix must be a string without braces, got a{b',
    );
    expect(() => createRedisStore({ client: redis.client, batch: 'yes' as never })).toThrow(
      'batch must be a boolean, got yes',
    );
  });

  it('runs the same algorithm as the memory store (property test)', async () => {
    const algorithm = fc.constantFrom(
      'sliding-window',
      'fixed-window',
      'token-bucket',
    ) as fc.Arbitrary<'sliding-window' | 'fixed-window' | 'token-bucket'>;
    const tierArbitrary: fc.Arbitrary<RateLimitTier> = fc
      .record({
        requests: fc.uniqueArray(
          fc.record({
            limit: fc.integer({ min: 1, max: 12 }),
            windowMs: fc.integer({ min: 1, max: 5_000 }),
            algorithm,
          }),
          {
            minLength: 1,
            maxLength: 3,
            selector: (window) => `${window.algorithm}/${window.windowMs}`,
          },
        ),
        tokens: fc.option(
          fc.record({
            limit: fc.integer({ min: 1, max: 500 }),
            windowMs: fc.integer({ min: 1, max: 5_000 }),
            algorithm,
          }),
          { nil: undefined },
        ),
      })
      .map(({ requests, tokens }) => ({
        windows: [
          ...requests.map((window, index) => ({ name: `r${index}`, ...window })),
          ...(tokens ? [{ name: 'tokens', unit: 'tokens' as const, ...tokens }] : []),
        ],
      }));
    const step = fc.oneof(
      fc.record({ kind: fc.constant('limit' as const), cost: fc.integer({ min: 0, max: 4 }) }),
      fc.record({
        kind: fc.constant('reserve' as const),
        cost: fc.integer({ min: 0, max: 2 }),
        tokens: fc.integer({ min: 0, max: 600 }),
      }),
      fc.record({ kind: fc.constant('settle' as const), actual: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('peek' as const) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        tierArbitrary,
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (tier, steps) => {
          let now = 1_790_000_000_000 + run * 97;
          const clock = () => now;
          const plan = new TierPlan('T', tier, {
            algorithm: 'sliding-window',
            reservationTtlMs: 2_000,
          });
          const memory = createMemoryStore({ clock });
          const redisStore = createRedisStoreInternal(
            { client: redis.client, prefix: `${redis.prefix}p${run}` },
            clock,
          );
          run++;
          const holds: Array<{ id: string; tokens: number }> = [];
          const settled: Array<{ id: string; tokens: number }> = [];
          let holdSequence = 0;
          for (const current of steps) {
            if (current.kind === 'wait') {
              now += current.ms;
              continue;
            }
            let request: StoreRequest;
            const base = { subject: 's', plan, tokens: 0, holdId: '' };
            if (current.kind === 'limit')
              request = { ...base, operation: 'consume', cost: current.cost };
            else if (current.kind === 'reserve') {
              const tokens = Math.min(current.tokens, plan.maxReservation);
              const holdId = tokens > 0 ? `h${++holdSequence}` : '';
              request = { ...base, operation: 'consume', cost: current.cost, tokens, holdId };
            } else if (current.kind === 'settle') {
              // Now and then the same hold twice: the second settle must change nothing.
              const again = current.actual % 3 === 0 ? settled[0] : undefined;
              const hold = again ?? holds.shift();
              if (hold !== undefined && again === undefined) settled.unshift(hold);
              request = {
                ...base,
                operation: 'settle',
                cost: hold?.tokens ?? 0,
                tokens: current.actual,
                holdId: hold?.id ?? '',
              };
            } else request = { ...base, operation: 'peek', cost: 1 };
            const fromMemory = memory.execute(request);
            const fromRedis = await redisStore.execute(request);
            expect(fromRedis).toEqual(fromMemory);
            if (current.kind === 'reserve' && fromMemory.allowed && request.holdId !== '')
              holds.push({ id: request.holdId, tokens: request.tokens });
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
