import { describe, expect, it, vi } from 'vitest';
import { createFallbackStore } from '../fallback-store.js';
import { createRateLimiter } from '../rate-limiter.js';
import { createRedisStore, type RedisScriptClient } from '../redis-store.js';

/** What the fault suite needs: a client to a healthy Redis (or Cluster) and fresh prefixes. */
export interface RemoteStoreSubject {
  client(): RedisScriptClient;
  /** A key prefix no other test uses. */
  prefix(): string;
}

const LLM = {
  windows: [
    { name: 'hour', limit: 100, windowMs: 3_600_000 },
    { name: 'tokens', limit: 10_000, windowMs: 86_400_000, unit: 'tokens' as const },
  ],
};

/** Blocks the event loop, like a request handler doing 300 ms of synchronous work. */
export function blockEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

/**
 * Faults a remote store must survive while Redis itself is healthy: aborts racing the store,
 * retried settles, a stalled event loop. Runs on one Redis server and on a Redis Cluster.
 */
export function describeRemoteStoreFaults(name: string, subject: RemoteStoreSubject): void {
  const limiterOf = () =>
    createRateLimiter({
      store: createRedisStore({ client: subject.client(), prefix: subject.prefix() }),
      tiers: { LLM },
      blockedCache: false,
    });

  describe(`${name}: faults`, () => {
    it('releases a hold the store made after the reservation was aborted', async () => {
      const limiter = limiterOf();
      const controller = new AbortController();
      // Sent at the end of this tick; the abort comes first, the hold is made anyway.
      const pending = limiter.reserve('aborted', {
        tier: 'LLM',
        estimate: 3_000,
        cost: 0,
        signal: controller.signal,
      });
      controller.abort(new Error('client went away'));
      await expect(pending).rejects.toThrow('client went away');
      await vi.waitFor(
        async () => {
          const quota = await limiter.getQuota('aborted', 'LLM');
          expect(quota.usage).toMatchObject({ tokensReserved: 0, tokensRemaining: 10_000 });
        },
        { timeout: 5_000, interval: 20 },
      );
    });

    it('never charges twice when a commit whose signal aborted is retried', async () => {
      const limiter = limiterOf();
      const reservation = await limiter.reserve('retry', { tier: 'LLM', estimate: 1_000 });
      const controller = new AbortController();
      const first = reservation.commit(1_000, { signal: controller.signal });
      controller.abort(new Error('client went away'));
      await expect(first).rejects.toThrow('client went away');
      expect(reservation.settled).toBe(false);
      const retried = await reservation.commit(1_000);
      expect(retried.hold).toBe('already-settled');
      expect(await reservation.release()).toMatchObject({ hold: 'already-settled' });
      const quota = await limiter.getQuota('retry', 'LLM');
      expect(quota.usage).toMatchObject({ tokensToday: 1_000, tokensReserved: 0 });
    });

    it('lets a reply that arrived win over a late timer: a 300 ms stall admits nothing extra', async () => {
      const store = createFallbackStore({
        primary: createRedisStore({ client: subject.client(), prefix: subject.prefix() }),
        timeoutMs: 250,
      });
      const limiter = createRateLimiter({ store, blockedCache: false });
      const engaged: unknown[] = [];
      limiter.on('fallback-engaged', (event) => engaged.push(event.error));
      for (let call = 0; call < 10; call++)
        expect((await limiter.limit('full')).allowed).toBe(true);
      const spent = await limiter.reserve('broke', { estimate: 50_000, cost: 0 });
      await spent.commit(50_000);

      const pending = Array.from({ length: 10 }, () => limiter.limit('full'));
      const hold = limiter.reserve('broke', { estimate: 1_000, cost: 0 });
      blockEventLoop(300);
      const decisions = await Promise.all(pending);
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(0);
      expect(decisions.every((decision) => decision.reason === 'limit-exceeded')).toBe(true);
      expect((await hold).allowed).toBe(false);
      expect(engaged).toEqual([]);
      expect(store.engaged).toBe(false);
    });
  });
}
