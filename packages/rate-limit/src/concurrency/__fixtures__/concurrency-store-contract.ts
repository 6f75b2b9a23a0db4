import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createConcurrencyLimiter } from '../concurrency-limiter.js';
import type { ConcurrencyStore } from '../concurrency-store.js';

/** What the contract needs from the store under test. */
export interface ConcurrencyStoreContractSubject {
  /** A store to run one test against (fresh or shared). */
  store(): ConcurrencyStore;
  /** A key no other test uses. */
  key(name: string): string;
}

const LONG_LEASE = 60_000;

/**
 * The behaviour every {@link ConcurrencyStore} shares, checked on the store itself and through
 * a limiter. Run it against each implementation.
 */
export function describeConcurrencyStoreContract(
  name: string,
  subject: ConcurrencyStoreContractSubject,
): void {
  describe(`${name}: concurrency store contract`, () => {
    it('adds leases up to the limit, then denies with the count and the earliest expiry', async () => {
      const store = subject.store();
      const key = subject.key('limit');
      for (let index = 1; index <= 3; index++) {
        const reply = await store.acquire({
          key,
          leaseId: `lease-${index}`,
          limit: 3,
          leaseMs: LONG_LEASE,
        });
        expect(reply).toEqual({ acquired: true, inFlight: index, nextExpiryMs: 0 });
      }
      const denied = await store.acquire({
        key,
        leaseId: 'lease-4',
        limit: 3,
        leaseMs: LONG_LEASE,
      });
      expect(denied.acquired).toBe(false);
      expect(denied.inFlight).toBe(3);
      expect(denied.nextExpiryMs).toBeGreaterThan(0);
      expect(denied.nextExpiryMs).toBeLessThanOrEqual(LONG_LEASE);
      expect(await store.inFlight(key)).toBe(3);
      // A caller with a higher limit for the same key still fits.
      const higher = await store.acquire({
        key,
        leaseId: 'lease-4',
        limit: 4,
        leaseMs: LONG_LEASE,
      });
      expect(higher).toEqual({ acquired: true, inFlight: 4, nextExpiryMs: 0 });
    });

    it('counts an id it already holds once (a retried acquire takes no second slot)', async () => {
      const store = subject.store();
      const key = subject.key('retry');
      const call = { key, leaseId: 'same', limit: 1, leaseMs: LONG_LEASE };
      expect((await store.acquire(call)).acquired).toBe(true);
      expect(await store.acquire(call)).toEqual({ acquired: true, inFlight: 1, nextExpiryMs: 0 });
      expect(await store.inFlight(key)).toBe(1);
    });

    it('frees a slot on release; a second release reports nothing held', async () => {
      const store = subject.store();
      const key = subject.key('release');
      await store.acquire({ key, leaseId: 'a', limit: 1, leaseMs: LONG_LEASE });
      expect(await store.release({ key, leaseId: 'a' })).toBe(true);
      expect(await store.release({ key, leaseId: 'a' })).toBe(false);
      expect(await store.release({ key, leaseId: 'never' })).toBe(false);
      expect(await store.inFlight(key)).toBe(0);
      expect(
        (await store.acquire({ key, leaseId: 'b', limit: 1, leaseMs: LONG_LEASE })).acquired,
      ).toBe(true);
    });

    it('keeps keys apart', async () => {
      const store = subject.store();
      const first = subject.key('apart-1');
      const second = subject.key('apart-2');
      await store.acquire({ key: first, leaseId: 'a', limit: 1, leaseMs: LONG_LEASE });
      expect(
        (await store.acquire({ key: second, leaseId: 'a', limit: 1, leaseMs: LONG_LEASE }))
          .acquired,
      ).toBe(true);
      expect(await store.inFlight(first)).toBe(1);
      expect(await store.inFlight(second)).toBe(1);
    });

    it('lets an unrenewed lease expire: its slot comes back by itself', async () => {
      const store = subject.store();
      const key = subject.key('expire');
      await store.acquire({ key, leaseId: 'dead-holder', limit: 1, leaseMs: 150 });
      expect(
        (await store.acquire({ key, leaseId: 'next', limit: 1, leaseMs: LONG_LEASE })).acquired,
      ).toBe(false);
      await vi.waitFor(async () => expect(await store.inFlight(key)).toBe(0), {
        timeout: 10_000,
        interval: 20,
      });
      expect(await store.acquire({ key, leaseId: 'next', limit: 1, leaseMs: LONG_LEASE })).toEqual({
        acquired: true,
        inFlight: 1,
        nextExpiryMs: 0,
      });
    });

    it('renews the leases it still holds and reports the others lost', async () => {
      const store = subject.store();
      const key = subject.key('renew');
      await store.acquire({ key, leaseId: 'kept', limit: 3, leaseMs: 300 });
      await store.acquire({ key, leaseId: 'released', limit: 3, leaseMs: 300 });
      await store.release({ key, leaseId: 'released' });
      const lost = await store.renew({
        key,
        leaseIds: ['kept', 'released', 'never'],
        leaseMs: LONG_LEASE,
      });
      expect([...lost].sort()).toEqual(['never', 'released']);
      // Well past the first lease time, the renewed lease still counts.
      await sleep(600);
      expect(await store.inFlight(key)).toBe(1);
      expect(await store.release({ key, leaseId: 'kept' })).toBe(true);
    });

    it('admits exactly `limit` of 50 concurrent acquires through a limiter', async () => {
      const limiter = createConcurrencyLimiter({ store: subject.store(), limit: 5 });
      const key = subject.key('burst');
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire(key)));
      const granted = decisions.filter((decision) => decision.acquired);
      expect(granted).toHaveLength(5);
      expect(
        decisions.filter((decision) => !decision.acquired && decision.reason === 'limit'),
      ).toHaveLength(45);
      expect(await limiter.inFlight(key)).toBe(5);
      await Promise.all(granted.map((decision) => decision.acquired && decision.lease.release()));
      expect(await limiter.inFlight(key)).toBe(0);
    });

    it('hands released slots to waiters in order, and an aborted waiter leaves no slot behind', async () => {
      const limiter = createConcurrencyLimiter({
        store: subject.store(),
        limit: 1,
        maxQueue: 10,
        maxWaitMs: 20_000,
      });
      const key = subject.key('queue');
      const first = await limiter.acquire(key);
      if (!first.acquired) throw new Error('the first acquire must get the slot');
      const order: string[] = [];
      const controller = new AbortController();
      const second = limiter.acquire(key).then((decision) => {
        order.push('second');
        return decision;
      });
      const aborted = limiter.acquire(key, { signal: controller.signal });
      const third = limiter.acquire(key).then((decision) => {
        order.push('third');
        return decision;
      });
      await vi.waitFor(() => expect(limiter.queued(key)).toBe(3));
      controller.abort(new Error('client left'));
      await expect(aborted).rejects.toThrow('client left');
      await first.lease.release();
      const secondDecision = await second;
      if (!secondDecision.acquired) throw new Error('the second caller must get the slot');
      expect(limiter.queued(key)).toBe(1);
      await secondDecision.lease.release();
      const thirdDecision = await third;
      if (!thirdDecision.acquired) throw new Error('the third caller must get the slot');
      expect(order).toEqual(['second', 'third']);
      expect(await limiter.inFlight(key)).toBe(1);
      await thirdDecision.lease.release();
      expect(await limiter.inFlight(key)).toBe(0);
      expect(limiter.queued(key)).toBe(0);
    });

    it('keeps a held lease alive past its lease time by renewing it', async () => {
      const limiter = createConcurrencyLimiter({
        store: subject.store(),
        limit: 1,
        leaseMs: 600,
        renewIntervalMs: 100,
      });
      const key = subject.key('long-stream');
      const decision = await limiter.acquire(key);
      if (!decision.acquired) throw new Error('the slot must be free');
      // A stream running for several lease times still holds its slot.
      await sleep(1_800);
      expect(decision.lease.state).toBe('held');
      expect(await limiter.inFlight(key)).toBe(1);
      expect((await limiter.acquire(key)).acquired).toBe(false);
      await decision.lease.release();
      expect(await limiter.inFlight(key)).toBe(0);
    });
  });
}
