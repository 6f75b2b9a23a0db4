import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isInvalidUsageError } from '../invalid-usage-error.js';
import type { RateLimitStore } from '../rate-limit-store.js';
import type { RateLimitTier } from '../rate-limit-tier.js';
import { createRateLimiter } from '../rate-limiter.js';
import type { RateLimiterOptions } from '../rate-limiter-options.js';
import { isReservationSettledError } from '../reservation-settled-error.js';
import { TIER_PRESETS } from '../tier-presets.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** What the contract needs from the store under test. */
export interface StoreContractSubject {
  /** A store to run one test against (fresh or shared). */
  store(): RateLimitStore;
  /** A subject key no other test uses. */
  key(name: string): string;
}

const TIERS: Record<string, RateLimitTier> = {
  ...TIER_PRESETS,
  SLIDING: { windows: [{ name: 'hour', limit: 5, windowMs: HOUR, algorithm: 'sliding-window' }] },
  FIXED: { windows: [{ name: 'hour', limit: 5, windowMs: HOUR, algorithm: 'fixed-window' }] },
  BUCKET: { windows: [{ name: 'hour', limit: 5, windowMs: HOUR, algorithm: 'token-bucket' }] },
  TWO: {
    windows: [
      { name: 'hour', limit: 5, windowMs: HOUR },
      { name: 'day', limit: 3, windowMs: DAY, algorithm: 'fixed-window' },
    ],
  },
  ROOM: {
    windows: [
      { name: 'hour', limit: 4, windowMs: HOUR },
      { name: 'day', limit: 10, windowMs: DAY },
    ],
  },
  LLM: {
    windows: [
      { name: 'hour', limit: 100, windowMs: HOUR },
      { name: 'tokens', limit: 1_000, windowMs: DAY, unit: 'tokens' },
    ],
  },
  SHORT: { windows: [{ name: 'short', limit: 2, windowMs: 1_000, algorithm: 'fixed-window' }] },
  REFILL: { windows: [{ name: 'refill', limit: 4, windowMs: 400, algorithm: 'token-bucket' }] },
  CROWD: { windows: [{ name: 'day', limit: 37, windowMs: DAY }] },
};

/**
 * The behaviour every {@link RateLimitStore} must have, checked through the public limiter.
 * Runs against the memory store, Redis, and Redis Cluster.
 */
export function describeStoreContract(name: string, subject: StoreContractSubject): void {
  const limiterOf = (options: RateLimiterOptions = {}) =>
    createRateLimiter({ store: subject.store(), tiers: TIERS, blockedCache: false, ...options });

  describe(`${name}: rate-limit store contract`, () => {
    for (const tier of ['SLIDING', 'FIXED', 'BUCKET']) {
      it(`${tier}: admits exactly the limit, then denies with a wait`, async () => {
        const limiter = limiterOf();
        const key = subject.key('exact');
        const remaining: number[] = [];
        for (let call = 0; call < 5; call++) {
          const decision = await limiter.limit(key, { tier });
          expect(decision.allowed).toBe(true);
          expect(decision.reason).toBe('allowed');
          expect(decision.retryAfterMs).toBe(0);
          remaining.push(decision.remaining);
        }
        expect(remaining).toEqual([4, 3, 2, 1, 0]);
        const denied = await limiter.limit(key, { tier });
        expect(denied).toMatchObject({ allowed: false, reason: 'limit-exceeded', remaining: 0 });
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(2 * HOUR);
        expect(denied.resetAt).toBeGreaterThan(Date.now());
        expect(denied.policies).toEqual([
          expect.objectContaining({ name: 'hour', unit: 'requests', limit: 5, allowed: false }),
        ]);
      });
    }

    it('checks every window at once and consumes nothing on a denial', async () => {
      const limiter = limiterOf();
      const key = subject.key('all-or-nothing');
      for (let call = 0; call < 3; call++)
        expect((await limiter.limit(key, { tier: 'TWO' })).allowed).toBe(true);
      const denied = await limiter.limit(key, { tier: 'TWO' });
      expect(denied.allowed).toBe(false);
      expect(
        denied.policies.map((policy) => [policy.name, policy.remaining, policy.allowed]),
      ).toEqual([
        ['hour', 2, true],
        ['day', 0, false],
      ]);
      const quota = await limiter.getQuota(key, 'TWO');
      expect(quota.policies.map((policy) => policy.remaining)).toEqual([2, 0]);

      const other = subject.key('room');
      expect((await limiter.limit(other, { tier: 'ROOM', cost: 2 })).remaining).toBe(2);
      const tooBig = await limiter.limit(other, { tier: 'ROOM', cost: 3 });
      expect(tooBig.allowed).toBe(false);
      expect(tooBig.policies.map((policy) => policy.remaining)).toEqual([2, 8]);
      expect((await limiter.limit(other, { tier: 'ROOM', cost: 2 })).remaining).toBe(0);
    });

    it('charges explicit costs times endpoint multipliers; cost 0 consumes nothing', async () => {
      const limiter = limiterOf({ endpointCosts: { '/api/chat': 2, '/api/stream': 3 } });
      const key = subject.key('cost');
      expect((await limiter.limit(key, { tier: 'CROWD', endpoint: '/api/chat' })).remaining).toBe(
        35,
      );
      expect(
        (await limiter.limit(key, { tier: 'CROWD', endpoint: '/api/stream', cost: 2 })).remaining,
      ).toBe(29);
      expect((await limiter.limit(key, { tier: 'CROWD', endpoint: '/other' })).remaining).toBe(28);
      expect((await limiter.limit(key, { tier: 'CROWD', cost: 0 })).remaining).toBe(28);
    });

    it('holds reserved tokens and charges the actual usage on commit', async () => {
      const limiter = limiterOf();
      const key = subject.key('reserve');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 300 });
      expect(reservation).toMatchObject({ allowed: true, tokens: 300, requestedTokens: 300 });
      expect(reservation.decision.policies.map((policy) => policy.remaining)).toEqual([99, 700]);
      expect(reservation.expiresAt).toBeGreaterThan(Date.now());
      let quota = await limiter.getQuota(key, 'LLM');
      expect(quota.usage).toMatchObject({ tokensReserved: 300, tokensRemaining: 700 });
      const settlement = await reservation.commit(120);
      expect(settlement).toMatchObject({
        reservedTokens: 300,
        actualTokens: 120,
        hold: 'settled',
      });
      expect(settlement.policies.map((policy) => policy.remaining)).toEqual([99, 880]);
      quota = await limiter.getQuota(key, 'LLM');
      expect(quota.usage).toMatchObject({
        tokensToday: 120,
        tokensReserved: 0,
        tokensRemaining: 880,
      });
      await expect(reservation.commit(1)).rejects.toSatisfy(isReservationSettledError);
    });

    it('charges usage beyond the estimate, never loses it', async () => {
      const limiter = limiterOf();
      const key = subject.key('overrun');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 100 });
      await reservation.commit(250);
      expect((await limiter.getQuota(key, 'LLM')).usage.tokensRemaining).toBe(750);
      const huge = await limiter.reserve(key, { tier: 'LLM', estimate: 10 });
      await huge.commit(5_000);
      const quota = await limiter.getQuota(key, 'LLM');
      expect(quota.usage).toMatchObject({ tokensToday: 1_000, tokensRemaining: 0 });
      const denied = await limiter.limit(key, { tier: 'LLM' });
      expect(denied).toMatchObject({ allowed: false, reason: 'token-budget-exceeded' });
    });

    it('release frees the hold; a second release is a no-op', async () => {
      const limiter = limiterOf();
      const key = subject.key('release');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 400, cost: 0 });
      expect(reservation.decision.policies.map((policy) => policy.remaining)).toEqual([100, 600]);
      expect(await limiter.release(reservation)).toMatchObject({
        actualTokens: 0,
        hold: 'settled',
      });
      expect(reservation.settled).toBe(true);
      expect(await reservation.release()).toMatchObject({ actualTokens: 0 });
      const quota = await limiter.getQuota(key, 'LLM');
      expect(quota.usage).toMatchObject({ tokensToday: 0, tokensReserved: 0 });
      expect(quota.usage.tokensRemaining).toBe(1_000);
    });

    it('caps an estimate larger than the budget instead of refusing it', async () => {
      const limiter = limiterOf();
      const key = subject.key('cap');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 1_000_000 });
      expect(reservation).toMatchObject({
        allowed: true,
        tokens: 1_000,
        requestedTokens: 1_000_000,
      });
      const next = await limiter.reserve(key, { tier: 'LLM', estimate: 1 });
      expect(next.allowed).toBe(false);
      expect(next.decision.reason).toBe('token-budget-exceeded');
      await reservation.commit(10);
      expect((await limiter.reserve(key, { tier: 'LLM', estimate: 990 })).allowed).toBe(true);
    });

    it('denies a reservation the budget cannot cover and consumes nothing', async () => {
      const limiter = limiterOf();
      const key = subject.key('short-budget');
      await (await limiter.reserve(key, { tier: 'LLM', estimate: 900 })).commit(900);
      const denied = await limiter.reserve(key, { tier: 'LLM', estimate: 200 });
      expect(denied).toMatchObject({ allowed: false, tokens: 0, expiresAt: 0 });
      expect(denied.decision.reason).toBe('token-budget-exceeded');
      expect(denied.decision.retryAfterMs).toBeGreaterThan(0);
      expect(denied.decision.policies.map((policy) => policy.remaining)).toEqual([99, 100]);
      expect(await denied.release()).toMatchObject({ reservedTokens: 0, hold: 'settled' });
      expect((await limiter.reserve(key, { tier: 'LLM', estimate: 100 })).allowed).toBe(true);
    });

    it('expires a hold that is never settled; a late commit still charges', async () => {
      const limiter = limiterOf({ reservationTtlMs: 250 });
      const key = subject.key('expire');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 500 });
      expect((await limiter.getQuota(key, 'LLM')).usage.tokensRemaining).toBe(500);
      await sleep(400);
      expect((await limiter.getQuota(key, 'LLM')).usage).toMatchObject({
        tokensRemaining: 1_000,
        tokensReserved: 0,
      });
      expect(await reservation.commit(200)).toMatchObject({ hold: 'expired', actualTokens: 200 });
      expect((await limiter.getQuota(key, 'LLM')).usage.tokensRemaining).toBe(800);
    });

    it('opens a fixed window again at its resetAt', async () => {
      const limiter = limiterOf();
      const key = subject.key('reset-at');
      // A busy machine may cross a window edge between calls: call until a denial.
      let decision = await limiter.limit(key, { tier: 'SHORT' });
      for (let call = 0; call < 10 && decision.allowed; call++)
        decision = await limiter.limit(key, { tier: 'SHORT' });
      expect(decision.allowed).toBe(false);
      expect(decision.remaining).toBe(0);
      await sleep(Math.max(0, decision.resetAt - Date.now()) + 30);
      expect((await limiter.limit(key, { tier: 'SHORT' })).allowed).toBe(true);
    });

    it('refills a token bucket by limit per window', async () => {
      const limiter = limiterOf();
      const key = subject.key('refill');
      for (let call = 0; call < 4; call++) await limiter.limit(key, { tier: 'REFILL' });
      const denied = await limiter.limit(key, { tier: 'REFILL' });
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(100);
      await sleep(denied.retryAfterMs + 30);
      expect((await limiter.limit(key, { tier: 'REFILL' })).allowed).toBe(true);
    });

    it('getQuota reads the preset shape without consuming', async () => {
      const limiter = limiterOf();
      const key = subject.key('quota');
      await limiter.limit(key, { tier: 'FREE', cost: 2 });
      const first = await limiter.getQuota(key, 'FREE');
      const second = await limiter.getQuota(key, 'FREE');
      expect(second).toEqual(first);
      expect(first).toMatchObject({
        key: key,
        tier: 'FREE',
        limits: {
          requestsPerMinute: 10,
          requestsPerHour: 100,
          requestsPerDay: 500,
          tokensPerDay: 50_000,
        },
        usage: {
          requestsThisMinute: 2,
          requestsThisHour: 2,
          requestsToday: 2,
          tokensToday: 0,
          tokensRemaining: 50_000,
          tokensReserved: 0,
        },
      });
      const unknown = await limiter.getQuota(subject.key('nobody'), 'PRO');
      expect(unknown.usage.requestsThisMinute).toBe(0);
    });

    it('keeps usage when a subject moves to a tier with the same windows', async () => {
      const limiter = limiterOf();
      const key = subject.key('upgrade');
      for (let call = 0; call < 4; call++) await limiter.limit(key, { tier: 'FREE' });
      const quota = await limiter.getQuota(key, 'PRO');
      expect(quota.usage.requestsThisMinute).toBe(4);
      expect(quota.limits.requestsPerMinute).toBe(100);
    });

    it('reset forgets windows and holds', async () => {
      const limiter = limiterOf();
      const key = subject.key('forget');
      await limiter.reserve(key, { tier: 'LLM', estimate: 600 });
      await limiter.limit(key, { tier: 'LLM' });
      await limiter.reset(key);
      const quota = await limiter.getQuota(key, 'LLM');
      expect(quota.policies.map((policy) => policy.remaining)).toEqual([100, 1_000]);
      expect(quota.usage.tokensReserved).toBe(0);
    });

    it('refuses invalid usage with InvalidUsageError, charges nothing and keeps the hold', async () => {
      const limiter = limiterOf();
      const key = subject.key('usage');
      const reservation = await limiter.reserve(key, { tier: 'LLM', estimate: 200 });
      for (const bad of [1e300, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '77'])
        await expect(reservation.commit(bad as number)).rejects.toSatisfy(
          (error: unknown) =>
            isInvalidUsageError(error) &&
            (error as { code: string }).code === 'RATE_LIMIT_INVALID_USAGE',
        );
      expect(reservation.settled).toBe(false);
      expect((await limiter.getQuota(key, 'LLM')).usage).toMatchObject({
        tokensReserved: 200,
        tokensToday: 0,
      });
      expect(await reservation.commit(77)).toMatchObject({ actualTokens: 77, hold: 'settled' });
      expect((await limiter.getQuota(key, 'LLM')).usage).toMatchObject({
        tokensReserved: 0,
        tokensToday: 77,
      });
    });

    it('bounds what one request spends: required tokens and oversizedEstimate: deny', async () => {
      const tiers = {
        CAP: TIERS.LLM!,
        DENY: { ...TIERS.LLM!, oversizedEstimate: 'deny' as const },
      };
      const limiter = createRateLimiter({ store: subject.store(), tiers, blockedCache: false });
      const key = subject.key('overrun');
      // A prompt larger than what is left is refused even though the estimate would be capped.
      const prompt = await limiter.reserve(key, {
        tier: 'CAP',
        estimate: 4_900,
        requiredTokens: 4_900,
      });
      expect(prompt.decision).toMatchObject({ allowed: false, reason: 'token-budget-exceeded' });
      const denied = await limiter.reserve(key, { tier: 'DENY', estimate: 4_900 });
      expect(denied.decision).toMatchObject({ allowed: false, reason: 'token-budget-exceeded' });
      // The default caps the hold at the budget; the actual usage is charged at commit.
      const capped = await limiter.reserve(key, { tier: 'CAP', estimate: 4_900 });
      expect(capped).toMatchObject({ allowed: true, tokens: 1_000 });
      await capped.commit(4_900);
      expect((await limiter.getQuota(key, 'CAP')).usage.tokensRemaining).toBe(0);
    });

    it('admits exactly the limit under concurrent calls', async () => {
      const limiter = limiterOf();
      const key = subject.key('crowd');
      const decisions = await Promise.all(
        Array.from({ length: 100 }, () => limiter.limit(key, { tier: 'CROWD' })),
      );
      const admitted = decisions.filter((decision) => decision.allowed);
      expect(admitted).toHaveLength(37);
      // Each admitted call saw a distinct remaining count: the decisions were serialised.
      expect(admitted.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 37 }, (_, index) => index),
      );
    });
  });
}
