import { describe, expect, it, vi } from 'vitest';
import { describeStoreContract } from './__fixtures__/store-contract.js';
import { createMemoryStore } from './memory-store.js';
import { createRateLimiter } from './rate-limiter.js';

let sequence = 0;
describeStoreContract('MemoryStore', {
  store: () => createMemoryStore(),
  key: (name) => `${name}:${++sequence}`,
});

describe('createMemoryStore', () => {
  it('validates max', () => {
    expect(() => createMemoryStore({ max: 0 })).toThrow('max must be an integer ≥ 1, got 0');
  });

  it('stays bounded with a million distinct keys', async () => {
    const store = createMemoryStore({ max: 10_000 });
    const limiter = createRateLimiter({ store });
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    for (let chunk = 0; chunk < 100; chunk++) {
      for (let index = 0; index < 10_000; index++) await limiter.limit(`k${chunk}:${index}`);
      expect(store.size).toBeLessThanOrEqual(10_000);
      if (chunk % 10 === 9) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(store.size).toBe(10_000);
    // 10,000 entries of a few hundred bytes each plus uncollected garbage (no forced GC here);
    // a leak of 1e6 entries of ≥ 300 bytes would pass 300 MB.
    expect(peak).toBeLessThan(160 * 2 ** 20);
  });
});

describe('createMemoryStore: default clock', () => {
  it('reads Date.now on every decision: setSystemTime applies to the next one', async () => {
    const T0 = 1_800_000_000_000;
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    try {
      const limiter = createRateLimiter({
        store: createMemoryStore(),
        tiers: {
          T: { windows: [{ name: 'm', limit: 1, windowMs: 60_000, algorithm: 'fixed-window' }] },
        },
      });
      expect((await limiter.limit('k')).allowed).toBe(true);
      expect(await limiter.limit('k')).toMatchObject({ allowed: false, resetAt: T0 + 60_000 });
      vi.setSystemTime(T0 + 60_000);
      expect(await limiter.limit('k')).toMatchObject({ allowed: true, resetAt: T0 + 120_000 });
    } finally {
      vi.useRealTimers();
    }
  });
});
