import { startRedisServer } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createFallbackStore } from './fallback-store.js';
import type { RateLimitDecision } from './rate-limit-decision.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisStore } from './redis-store.js';

const TIMEOUT_MS = 200;
// Generous: the claim is "bounded by the timeout", not a speed; the machine may be busy.
const SLACK_MS = 2_000;

describe('fallback store with a real Redis that goes away', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps deciding while Redis is stopped mid-load, then returns to Redis', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => {
      process.off('unhandledRejection', onUnhandled);
    });
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const client = new Redis(server.url, { lazyConnect: true });
    // Connection errors are expected here; the store reports them through its decisions.
    client.on('error', () => undefined);
    await client.connect();
    cleanups.push(() => client.disconnect());
    const redisStore = createRedisStore({ client, prefix: 'fault' });
    const store = createFallbackStore({
      primary: redisStore,
      timeoutMs: TIMEOUT_MS,
      probeIntervalMs: 100,
      instances: 2,
    });
    const limiter = createRateLimiter({ store, defaultTier: 'ENTERPRISE' });
    const events: string[] = [];
    limiter.on('fallback-engaged', () => events.push('engaged'));
    limiter.on('fallback-recovered', () => events.push('recovered'));

    const durations: number[] = [];
    const decisions: RateLimitDecision[] = [];
    const timed = async (key: string) => {
      const started = performance.now();
      const decision = await limiter.limit(key);
      durations.push(performance.now() - started);
      decisions.push(decision);
    };
    let stopped: Promise<void> | undefined;
    for (let round = 0; round < 20; round++) {
      // From round 6 on, Redis is surely gone: the rest of the run must decide locally.
      if (round === 6) await stopped;
      const calls = Array.from({ length: 50 }, (_, index) => timed(`user:${index % 7}`));
      // Stop Redis while a round of calls is in flight.
      if (round === 5) stopped = server.stop();
      await Promise.all(calls);
    }
    await stopped;
    expect(decisions).toHaveLength(1_000);
    expect(decisions.every((decision) => typeof decision.allowed === 'boolean')).toBe(true);
    expect(Math.max(...durations)).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(events).toEqual(['engaged']);
    expect(store.engaged).toBe(true);
    // Local decisions use ENTERPRISE limits divided by 2 instances: 500 per minute.
    const local = await limiter.getQuota('user:0');
    expect(local.limits.requestsPerMinute).toBe(500);

    await server.start();
    const deadline = Date.now() + 20_000;
    while (!events.includes('recovered') && Date.now() < deadline) {
      await timed('probe-driver');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events).toEqual(['engaged', 'recovered']);
    const back = await limiter.limit('after-recovery');
    expect(back.remaining).toBe(999);
    expect(await client.exists(redisStore.keyOf('after-recovery'))).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
