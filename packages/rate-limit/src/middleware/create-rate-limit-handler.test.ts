import { describe, expect, it, vi } from 'vitest';
import { createTestLimiter } from './__fixtures__/test-limiter.js';
import { createRateLimitHandler } from './create-rate-limit-handler.js';
import { TEMPORARY_REDUCED_CAPACITY_TYPE } from './problem-details.js';

const info = { clientAddress: () => '203.0.113.9', path: () => '/api/items' };

describe('createRateLimitHandler', () => {
  it('resolves a continue outcome carrying the decision and its headers', async () => {
    const handle = createRateLimitHandler<object>({ limiter: createTestLimiter() });

    const outcome = await handle({}, info);

    expect(outcome.action).toBe('continue');
    expect(outcome.decision).toMatchObject({ allowed: true, tier: 'FREE' });
    expect(Object.keys(outcome.headers).sort()).toEqual(['RateLimit', 'RateLimit-Policy']);
  });

  it.each([
    ['key', { key: () => '' }, new TypeError('key must return a non-empty string, got ""')],
    [
      'tier',
      { tier: () => 42 as never },
      new TypeError('tier must return a non-empty string or undefined, got 42'),
    ],
    [
      'endpoint',
      { endpoint: () => undefined as never },
      new TypeError('endpoint must return a string, got undefined'),
    ],
    [
      'cost',
      { cost: () => Number.NaN },
      new RangeError('cost must return a finite number ≥ 0, got NaN'),
    ],
  ])('rejects when the %s callback breaks its contract', async (_, callbacks, error) => {
    const limit = vi.fn();
    const handle = createRateLimitHandler<object>({ limiter: { limit }, ...callbacks });

    await expect(handle({}, info)).rejects.toThrow(error);
    expect(limit).not.toHaveBeenCalled();
  });

  it('reports a limiter that resolves something other than a decision and answers 503', async () => {
    const onError = vi.fn();
    const handle = createRateLimitHandler<object>({
      limiter: { limit: async () => ({ ok: true }) as never },
      onError,
    });

    const outcome = await handle({}, info);

    expect(outcome).toMatchObject({
      action: 'respond',
      status: 503,
      body: { type: TEMPORARY_REDUCED_CAPACITY_TYPE },
    });
    expect(onError.mock.calls[0]?.[0]).toEqual(
      new TypeError('limiter.limit must resolve to a RateLimitDecision, got object'),
    );
  });

  it('catches a limiter that throws synchronously', async () => {
    const handle = createRateLimitHandler<object>({
      limiter: {
        limit: () => {
          throw new Error('not even a promise');
        },
      },
      failOpen: true,
    });

    await expect(handle({}, info)).resolves.toEqual({ action: 'continue', headers: {} });
  });

  it('waits for ever with timeoutMs: Infinity', async () => {
    vi.useFakeTimers();
    try {
      let settle: ((value: unknown) => void) | undefined;
      const limiter = createTestLimiter();
      const handle = createRateLimitHandler<object>({
        limiter: {
          limit: (key, options) =>
            new Promise((resolve) => {
              settle = () => resolve(limiter.limit(key, options));
            }),
        },
        timeoutMs: Number.POSITIVE_INFINITY,
      });
      const outcome = handle({}, info);
      await vi.advanceTimersByTimeAsync(3_600_000);
      settle?.(undefined);
      await expect(outcome).resolves.toMatchObject({ action: 'continue' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('times out after exactly timeoutMs on fake timers', async () => {
    vi.useFakeTimers();
    try {
      const onError = vi.fn();
      const handle = createRateLimitHandler<object>({
        limiter: { limit: () => new Promise(() => {}) },
        timeoutMs: 1000,
        onError,
      });
      let settled = false;
      const outcome = handle({}, info).finally(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(outcome).resolves.toMatchObject({ action: 'respond', status: 503 });
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ name: 'TimeoutError' });
    } finally {
      vi.useRealTimers();
    }
  });
});
