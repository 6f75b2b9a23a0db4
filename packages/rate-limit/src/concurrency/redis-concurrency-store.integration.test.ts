import { type RedisServerHandle, startRedisServer, useRedis } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreTimeoutError } from '../store-timeout-error.js';
import { expectNoLeakedSlots } from './__fixtures__/abort-cycles.js';
import { describeConcurrencyStoreContract } from './__fixtures__/concurrency-store-contract.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import { ACQUIRE_SCRIPT } from './concurrency-scripts.js';
import { createRedisConcurrencyStore } from './redis-concurrency-store.js';

describe('RedisConcurrencyStore', () => {
  const redis = useRedis();
  let sequence = 0;

  describeConcurrencyStoreContract('RedisConcurrencyStore', {
    store: () => createRedisConcurrencyStore({ client: redis.client, prefix: `${redis.prefix}cc` }),
    key: (name) => `${name}:${++sequence}`,
  });

  it('keeps one sorted set per key under a hash tag, gone once the last lease ends', async () => {
    const store = createRedisConcurrencyStore({
      client: redis.client,
      prefix: `${redis.prefix}cc`,
    });
    expect(store.keyOf('user:{42}')).toBe(`{${redis.prefix}cc:user:{42}}`);
    await store.acquire({ key: 'user:{42}', leaseId: 'a', limit: 2, leaseMs: 60_000 });
    const redisKey = store.keyOf('user:{42}');
    expect(await redis.client.zcard(redisKey)).toBe(1);
    const ttl = await redis.client.pttl(redisKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.release({ key: 'user:{42}', leaseId: 'a' });
    expect(await redis.client.exists(redisKey)).toBe(0);
  });

  it('loads its script again after SCRIPT FLUSH', async () => {
    // A server of its own: on the shared one, a test running in parallel may load the script
    // again between the flush and the check.
    const server = await startRedisServer();
    const client = new Redis(server.url);
    try {
      const store = createRedisConcurrencyStore({ client, prefix: 'cc' });
      expect(
        (await store.acquire({ key: 'k', leaseId: 'a', limit: 2, leaseMs: 1_000 })).acquired,
      ).toBe(true);
      await client.script('FLUSH');
      expect(await client.script('EXISTS', ACQUIRE_SCRIPT.sha)).toEqual([0]);
      expect(
        (await store.acquire({ key: 'k', leaseId: 'b', limit: 2, leaseMs: 1_000 })).acquired,
      ).toBe(true);
      expect(await client.script('EXISTS', ACQUIRE_SCRIPT.sha)).toEqual([1]);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('leaks no slot over 100,000 acquire/release cycles with random aborts', async () => {
    const store = createRedisConcurrencyStore({
      client: redis.client,
      prefix: `${redis.prefix}cc`,
    });
    await expectNoLeakedSlots(store, { cycles: 2_000, seed: 29 });
    expect(await redis.client.exists(store.keyOf('shared'))).toBe(0);
  }, 120_000);

  it('rejects bad options with precise messages', () => {
    expect(() => createRedisConcurrencyStore({ client: {} as never })).toThrow(
      'client must be an ioredis Redis or Cluster',
    );
    expect(() => createRedisConcurrencyStore({ client: redis.client, prefix: 'a{b}' })).toThrow(
      'prefix must be a string without braces, got a{b}',
    );
  });
});

describe('a concurrency limiter whose Redis is down', () => {
  let server: RedisServerHandle;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
    // Connection errors are expected here; the limiter reports them through its events.
    client.on('error', () => undefined);
    await client.ping();
    await server.stop();
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('fails closed with a StoreTimeoutError within the store timeout, and says why', async () => {
    const limiter = createConcurrencyLimiter({
      store: createRedisConcurrencyStore({ client }),
      storeTimeoutMs: 200,
      failMode: 'closed',
    });
    const errors: unknown[] = [];
    limiter.on('store-error', ({ error }) => errors.push(error));
    const error = await limiter.acquire('user:1').catch((reason: unknown) => reason);
    expect(isStoreTimeoutError(error)).toBe(true);
    expect(errors).toEqual([error]);
  });

  it('fails open with a lease the store does not know, whose release never throws', async () => {
    const limiter = createConcurrencyLimiter({
      store: createRedisConcurrencyStore({ client }),
      storeTimeoutMs: 200,
    });
    const errors: unknown[] = [];
    limiter.on('store-error', ({ error }) => errors.push(error));
    const decision = await limiter.acquire('user:1');
    if (!decision.acquired) throw new Error('failMode open must grant');
    expect(decision.lease.failedOpen).toBe(true);
    expect(decision.inFlight).toBe(0);
    expect(limiter.held).toBe(0);
    await decision.lease.release();
    expect(decision.lease.state).toBe('released');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.every(isStoreTimeoutError)).toBe(true);
  });

  it('times out a queued waiter’s attempts too: it never hangs', async () => {
    const limiter = createConcurrencyLimiter({
      store: createRedisConcurrencyStore({ client }),
      storeTimeoutMs: 200,
      failMode: 'closed',
      maxQueue: 5,
    });
    const all = await Promise.allSettled([limiter.acquire('user:2'), limiter.inFlight('user:2')]);
    expect(all.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    for (const result of all)
      expect(isStoreTimeoutError((result as PromiseRejectedResult).reason)).toBe(true);
  });
});
