import { useRedisCluster } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { expectNoLeakedSlots } from './__fixtures__/abort-cycles.js';
import { describeConcurrencyStoreContract } from './__fixtures__/concurrency-store-contract.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import { createRedisConcurrencyStore } from './redis-concurrency-store.js';

describe('RedisConcurrencyStore on a 3-master Redis Cluster', () => {
  const cluster = useRedisCluster();
  let sequence = 0;

  describeConcurrencyStoreContract('RedisConcurrencyStore (Cluster)', {
    store: () =>
      createRedisConcurrencyStore({ client: cluster.client, prefix: `${cluster.prefix}cc` }),
    key: (name) => `${name}:${++sequence}`,
  });

  it('spreads keys over the masters, each key on one slot', async () => {
    const limiter = createConcurrencyLimiter({
      store: createRedisConcurrencyStore({ client: cluster.client, prefix: `${cluster.prefix}cc` }),
      limit: 2,
    });
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, index) => limiter.acquire(`user:${index}`)),
    );
    expect(decisions.every((decision) => decision.acquired)).toBe(true);
    const perMaster = await Promise.all(
      cluster.client
        .nodes('master')
        .map(async (node) => (await node.keys(`*${cluster.prefix}*`)).length),
    );
    expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(30);
    expect(perMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
    await Promise.all(decisions.map((decision) => decision.acquired && decision.lease.release()));
  });

  it('leaks no slot over 20,000 acquire/release cycles with random aborts', async () => {
    const store = createRedisConcurrencyStore({
      client: cluster.client,
      prefix: `${cluster.prefix}cc`,
    });
    await expectNoLeakedSlots(store, { cycles: 400, seed: 41 });
  }, 120_000);
});
