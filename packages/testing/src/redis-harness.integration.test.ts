import { describe, expect, it } from 'vitest';
import { startRedisServer } from './redis-server.js';
import { useRedis, useRedisCluster } from './use-redis.js';

// A script that touches two keys atomically: the shape every Breakwater store relies on.
const INCR_BOTH = `
local a = redis.call('INCRBY', KEYS[1], ARGV[1])
local b = redis.call('INCRBY', KEYS[2], ARGV[1])
return {a, b}
`;

describe('single redis-server', () => {
  const redis = useRedis();

  it('runs a Lua script on the harness server', async () => {
    const keys = [`${redis.prefix}a`, `${redis.prefix}b`];
    expect(await redis.client.eval(INCR_BOTH, 2, ...keys, 3)).toEqual([3, 3]);
    expect(await redis.client.eval(INCR_BOTH, 2, ...keys, 4)).toEqual([7, 7]);
    expect(redis.url).toMatch(/^redis:\/\/.+:\d+$/);
  });

  it('gives each test its own key prefix', async () => {
    expect(await redis.client.exists(`${redis.prefix}a`)).toBe(0);
  });

  it('can start, stop and restart a server of its own', async () => {
    const server = await startRedisServer();
    const { Redis } = await import('ioredis');
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await server.stop();
    await server.start();
    const again = new Redis(server.url, { lazyConnect: true });
    await again.connect();
    expect(await again.ping()).toBe('PONG');
    again.disconnect();
    await server.stop();
  });
});

describe('3-master Redis Cluster', () => {
  const cluster = useRedisCluster();

  it('has three masters covering all slots', async () => {
    expect(cluster.nodes).toHaveLength(3);
    const masters = cluster.client.nodes('master');
    expect(masters).toHaveLength(3);
    const slots = (await cluster.client.cluster('SLOTS')) as Array<[number, number]>;
    const covered = slots.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
    expect(covered).toBe(16_384);
  });

  it('runs a multi-key Lua script whose keys share one hash tag', async () => {
    const tag = `{${cluster.prefix}user:42}`;
    const keys = [`${tag}:minute`, `${tag}:day`];
    expect(await cluster.client.eval(INCR_BOTH, 2, ...keys, 5)).toEqual([5, 5]);
    expect(await cluster.client.get(keys[1] as string)).toBe('5');
  });

  it('refuses a multi-key script across slots (the reason for hash tags)', async () => {
    const keys = [`${cluster.prefix}a`, `${cluster.prefix}b`];
    await expect(cluster.client.eval(INCR_BOTH, 2, ...keys, 1)).rejects.toThrow(/CROSSSLOT/);
  });
});
