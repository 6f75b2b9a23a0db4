import { useRedisCluster } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { describeRemoteStoreFaults } from './__fixtures__/remote-store-faults.js';
import { describeStoreContract } from './__fixtures__/store-contract.js';
import { clusterSlot } from './cluster-slot.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisStore } from './redis-store.js';

describe('RedisStore on a 3-master Redis Cluster', () => {
  const cluster = useRedisCluster();
  let sequence = 0;

  describeStoreContract('RedisStore (Cluster)', {
    store: () => createRedisStore({ client: cluster.client, prefix: `${cluster.prefix}rl` }),
    key: (name) => `${name}:${++sequence}`,
  });

  describeRemoteStoreFaults('RedisStore (Cluster)', {
    client: () => cluster.client,
    prefix: () => `${cluster.prefix}f${++sequence}`,
  });

  it('computes the same hash slots as the cluster', async () => {
    for (const key of ['foo', '{rl:user:1}', '{rl:user:1}:h', 'a{b}c', 'ünïcödé', '{}x', 'x{y']) {
      expect(clusterSlot(key)).toBe(await cluster.client.cluster('KEYSLOT', key));
    }
  });

  it('spreads subjects over the masters, each decision on one slot', async () => {
    const limiter = createRateLimiter({
      store: createRedisStore({ client: cluster.client, prefix: `${cluster.prefix}rl` }),
    });
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => limiter.reserve(`user:${index}`, { estimate: 5 })),
    );
    const perMaster = await Promise.all(
      cluster.client
        .nodes('master')
        .map(async (node) => (await node.keys(`*${cluster.prefix}*`)).length),
    );
    expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(60);
    expect(perMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
  });
});
