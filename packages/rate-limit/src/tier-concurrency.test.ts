import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.js';
import { TIER_PRESETS, tierFromLimits } from './tier-presets.js';

describe('a tier’s concurrency limit', () => {
  it('travels on the tier’s decisions, allowed or denied, and is absent for tiers without one', async () => {
    const limiter = createRateLimiter({
      tiers: {
        ...TIER_PRESETS,
        TINY: tierFromLimits({ requestsPerMinute: 1, concurrency: 3 }),
        OPEN: tierFromLimits({ requestsPerMinute: 5 }),
      },
    });
    expect((await limiter.limit('a', { tier: 'FREE' })).concurrency).toBe(2);
    expect((await limiter.limit('a', { tier: 'ENTERPRISE' })).concurrency).toBe(100);
    expect(await limiter.limit('b', { tier: 'TINY' })).toMatchObject({
      allowed: true,
      concurrency: 3,
    });
    expect(await limiter.limit('b', { tier: 'TINY' })).toMatchObject({
      allowed: false,
      concurrency: 3,
    });
    expect(await limiter.limit('c', { tier: 'OPEN' })).not.toHaveProperty('concurrency');
  });

  it('must be an integer ≥ 1', () => {
    expect(() =>
      createRateLimiter({
        tiers: { BAD: { windows: [{ name: 'm', limit: 1, windowMs: 1 }], concurrency: 0 } },
      }),
    ).toThrow('tier "BAD": concurrency must be an integer ≥ 1, got 0');
  });
});
