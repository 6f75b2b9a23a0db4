import EventEmitter from 'eventemitter3';
import { describe, expect, it } from 'vitest';
import { sampleValue } from './__fixtures__/read-metric.js';
import { createMetrics } from './create-metrics.js';
import { instrumentRateLimiter } from './instrument-rate-limiter.js';

interface Decision {
  allowed: boolean;
  tier: string;
  limit: number;
  remaining: number;
  resetAt: number;
  retryAfterMs: number;
  policies: [];
  reason:
    | 'allowed'
    | 'limit-exceeded'
    | 'token-budget-exceeded'
    | 'cached-block'
    | 'store-unavailable';
  shadow?: boolean;
}

/** A limiter shaped like @breakwater/rate-limit's: eventemitter3 with its contract events. */
class FakeLimiter extends EventEmitter<{
  allowed: (event: { key: string; tier: string; cost: number; decision: Decision }) => void;
  denied: (event: { key: string; tier: string; cost: number; decision: Decision }) => void;
  'near-limit': (event: { key: string; tier: string; decision: Decision; ratio: number }) => void;
  'fallback-engaged': (event: { error: unknown }) => void;
  'fallback-recovered': (event: Record<string, never>) => void;
}> {}

function decision(
  tier: string,
  allowed: boolean,
  reason: Decision['reason'],
  shadow?: boolean,
): Decision {
  return {
    allowed,
    tier,
    limit: 10,
    remaining: 0,
    resetAt: 0,
    retryAfterMs: 0,
    policies: [],
    reason,
    shadow,
  };
}

describe('instrumentRateLimiter', () => {
  it('counts decisions by tier, result and reason, never by key', async () => {
    const metrics = createMetrics();
    const limiter = new FakeLimiter();
    const stop = instrumentRateLimiter(metrics, limiter);
    limiter.emit('allowed', {
      key: 'user:42',
      tier: 'PRO',
      cost: 1,
      decision: decision('PRO', true, 'allowed'),
    });
    limiter.emit('denied', {
      key: 'user:7',
      tier: 'FREE',
      cost: 1,
      decision: decision('FREE', false, 'limit-exceeded'),
    });
    limiter.emit('denied', {
      key: 'user:7',
      tier: 'FREE',
      cost: 500,
      decision: decision('FREE', false, 'token-budget-exceeded'),
    });
    limiter.emit('allowed', {
      key: 'user:8',
      tier: 'FREE',
      cost: 1,
      decision: decision('FREE', true, 'limit-exceeded', true),
    });
    limiter.emit('near-limit', {
      key: 'user:7',
      tier: 'FREE',
      decision: decision('FREE', true, 'allowed'),
      ratio: 0.9,
    });

    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.rateLimitDecisions, {
        tier: 'PRO',
        result: 'allowed',
        reason: 'allowed',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.rateLimitDecisions, {
        tier: 'FREE',
        result: 'denied',
        reason: 'limit-exceeded',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.rateLimitDecisions, {
        result: 'denied',
        reason: 'token-budget-exceeded',
      }),
    ).toBe(1);
    expect(await sampleValue(registry, names.rateLimitDecisions, { result: 'shadow_denied' })).toBe(
      1,
    );
    expect(await sampleValue(registry, names.rateLimitNearLimit, { tier: 'FREE' })).toBe(1);
    expect(await metrics.metrics()).not.toContain('user:');

    limiter.emit('fallback-engaged', { error: new Error('redis down') });
    expect(await sampleValue(registry, names.rateLimitFallbackActive)).toBe(1);
    limiter.emit('fallback-recovered', {});
    expect(await sampleValue(registry, names.rateLimitFallbackActive)).toBe(0);
    limiter.emit('fallback-engaged', { error: new Error('redis down') });

    stop();
    for (const event of [
      'allowed',
      'denied',
      'near-limit',
      'fallback-engaged',
      'fallback-recovered',
    ] as const) {
      expect(limiter.listenerCount(event)).toBe(0);
    }
    // An unsubscribed limiter no longer holds the fallback gauge up.
    expect(await sampleValue(registry, names.rateLimitFallbackActive)).toBe(0);
    limiter.emit('denied', {
      key: 'k',
      tier: 'PRO',
      cost: 1,
      decision: decision('PRO', false, 'limit-exceeded'),
    });
    expect(
      await sampleValue(registry, names.rateLimitDecisions, { tier: 'PRO', result: 'denied' }),
    ).toBeUndefined();
  });

  it('keeps the fallback gauge up while any instrumented limiter is on its fallback', async () => {
    const metrics = createMetrics();
    const first = new FakeLimiter();
    const second = new FakeLimiter();
    instrumentRateLimiter(metrics, first);
    instrumentRateLimiter(metrics, second);
    first.emit('fallback-engaged', { error: 1 });
    second.emit('fallback-engaged', { error: 1 });
    first.emit('fallback-recovered', {});
    expect(await sampleValue(metrics.registry, metrics.names.rateLimitFallbackActive)).toBe(1);
    second.emit('fallback-recovered', {});
    expect(await sampleValue(metrics.registry, metrics.names.rateLimitFallbackActive)).toBe(0);
  });
});
