import { setTimeout as sleep } from 'node:timers/promises';
import { useRedisCluster } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { clusterSlot } from './cluster-slot.js';
import { createFallbackStore } from './fallback-store.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisStore } from './redis-store.js';
import { isStoreNotReadyError } from './store-not-ready-error.js';
import { isStoreTimeoutError } from './store-timeout-error.js';
import { isStoreUnavailableError } from './store-unavailable-error.js';

const COMMAND_TIMEOUT_MS = 300;
// Generous: the claim is "bounded by the command timeout", not a speed; the machine may be busy.
const SLACK_MS = 2_500;

describe('Redis Cluster with one of its three masters dead', () => {
  const cluster = useRedisCluster();

  it('stays on the fallback while the failed slots are down, serves the others, and bounds every call', async () => {
    const prefix = `${cluster.prefix}down`;
    const store = createRedisStore({
      client: cluster.client,
      prefix,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    // The masters keep serving their own slots while another is down.
    for (const { host, port } of cluster.nodes) {
      const node = new Redis({ host, port });
      await node.config('SET', 'cluster-require-full-coverage', 'no');
      node.disconnect();
    }
    const ranges = await cluster.client.cluster('SLOTS');
    const portOf = (key: string) => {
      const slot = clusterSlot(key);
      const [, , master] = ranges.find(([start, end]) => slot >= start && slot <= end)!;
      return master![1];
    };
    // Kill a master that does not hold the slot of a store-wide probe key, so a probe on a
    // fixed key would report Redis healthy while the dead master's subjects keep failing.
    const probeKeyPort = portOf(store.keyOf('__probe__'));
    const victim = cluster.nodes.find((node) => node.port !== probeKeyPort)!;
    const subjects = Array.from({ length: 200 }, (_, index) => `user:${index}`);
    const onDead = subjects.filter((subject) => portOf(store.keyOf(subject)) === victim.port);
    const onLive = subjects.filter((subject) => portOf(store.keyOf(subject)) !== victim.port);
    expect(onDead.length).toBeGreaterThan(0);
    expect(onLive.length).toBeGreaterThan(0);

    // No reconnect: ioredis would otherwise send SHUTDOWN again to a server that is gone.
    const killer = new Redis({ ...victim, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    killer.on('error', () => undefined);
    await killer.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    killer.disconnect();

    // Without a fallback: the dead slots answer within the timeout, per failMode; the rest work.
    const plain = createRateLimiter({ store, failMode: 'closed' });
    const errors: unknown[] = [];
    plain.on('store-error', (event) => errors.push(event.error));
    const started = performance.now();
    const dead = await plain.limit(onDead[0]!);
    expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
    expect(dead).toMatchObject({ allowed: false, reason: 'store-unavailable' });
    expect(await plain.limit(onLive[0]!)).toMatchObject({ allowed: true, reason: 'allowed' });
    const resetStarted = performance.now();
    const reset = await plain.reset(onDead[0]!).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(performance.now() - resetStarted).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
    expect(errors.concat(reset).every(isTyped)).toBe(true);

    // With a fallback: one switch to local counters, and no flapping back while the slots are down.
    const fallback = createFallbackStore({ primary: store, timeoutMs: 250, probeIntervalMs: 50 });
    const limiter = createRateLimiter({ store: fallback, defaultTier: 'ENTERPRISE' });
    const events: string[] = [];
    limiter.on('fallback-engaged', () => events.push('engaged'));
    limiter.on('fallback-recovered', () => events.push('recovered'));
    const until = Date.now() + 2_500;
    for (let round = 0; Date.now() < until; round++) {
      await Promise.all([
        limiter.limit(onDead[round % onDead.length]!),
        limiter.limit(onLive[round % onLive.length]!),
      ]);
      await sleep(20);
    }
    expect(events).toEqual(['engaged']);
    expect(fallback.engaged).toBe(true);
  }, 60_000);
});

function isTyped(error: unknown): boolean {
  return (
    isStoreTimeoutError(error) || isStoreUnavailableError(error) || isStoreNotReadyError(error)
  );
}
