import { describe, expect, it } from 'vitest';
import { geminiRetryInfo } from './gemini-retry-info.js';
import { observedBuckets, parseDuration, retryAfterMs } from './provider-headers.js';
import { createProviderQuotaTracker } from './provider-quota-tracker.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

function openaiHeaders(remainingRequests: number, remainingTokens: number) {
  return {
    'x-ratelimit-limit-requests': '60',
    'x-ratelimit-remaining-requests': String(remainingRequests),
    // Time until the bucket is full again: 1 s per missing request, 60 ms per missing token.
    'x-ratelimit-reset-requests': `${60 - remainingRequests}s`,
    'x-ratelimit-limit-tokens': '1000',
    'x-ratelimit-remaining-tokens': String(remainingTokens),
    'x-ratelimit-reset-tokens': `${(1000 - remainingTokens) * 60}ms`,
  };
}

describe('provider headers', () => {
  it('parses Go-style durations and rejects anything else', () => {
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('12ms')).toBe(12);
    expect(parseDuration('10h17m5.7s')).toBe(37_025_700);
    expect(parseDuration('37s')).toBe(37_000);
    for (const bad of ['', '5', 'soon', '5 s', '-1s']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('reads retry-after-ms, then retry-after as seconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, NOW)).toBe(250);
    expect(retryAfterMs(new Headers({ 'Retry-After': '2' }), NOW)).toBe(2_000);
    expect(retryAfterMs({ 'retry-after': new Date(NOW + 30_000).toUTCString() }, NOW)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'whenever' }, NOW)).toBeUndefined();
    expect(retryAfterMs({}, NOW)).toBeUndefined();
  });

  it('reads OpenAI and Anthropic buckets with their reset formats', () => {
    expect(observedBuckets(new Headers(openaiHeaders(59, 940)), NOW)).toEqual([
      { name: 'requests', limit: 60, remaining: 59, resetAt: NOW + 1_000 },
      { name: 'tokens', limit: 1000, remaining: 940, resetAt: NOW + 3_600 },
    ]);
    const anthropic = {
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2026-12-07T12:00:01Z',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2026-12-07T12:00:02Z',
      'anthropic-ratelimit-tokens-remaining': 'n/a',
    };
    expect(observedBuckets(anthropic, NOW)).toEqual([
      { name: 'requests', limit: 50, remaining: 49, resetAt: NOW + 1_000 },
      { name: 'input-tokens', limit: 40_000, remaining: 39_000, resetAt: NOW + 2_000 },
    ]);
  });

  it('reads Gemini RetryInfo and a per-day QuotaFailure from an error body, parsed or as text', () => {
    const body = {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: 'generate_content_requests',
                quotaId: 'GenerateRequestsPerDayPerProjectPerModel',
              },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.5s' },
        ],
      },
    };
    expect(geminiRetryInfo(body)).toEqual({ retryAfterMs: 37_500, perDay: true });
    expect(geminiRetryInfo(JSON.stringify(body))).toEqual({ retryAfterMs: 37_500, perDay: true });
    expect(geminiRetryInfo('not json')).toEqual({ retryAfterMs: undefined, perDay: false });
    expect(geminiRetryInfo({ error: { details: 'nope' } })).toEqual({
      retryAfterMs: undefined,
      perDay: false,
    });
  });
});

describe('createProviderQuotaTracker', () => {
  it('allows everything for a key it knows nothing about', () => {
    const quotas = createProviderQuotaTracker({ clock: () => NOW });
    expect(quotas.admit('openai:gpt-4o', { tokens: 1e9 })).toEqual({ allowed: true });
    expect(quotas.snapshot('openai:gpt-4o')).toBeUndefined();
  });

  it('counts admitted requests against the last known quota until the provider answers again', () => {
    const quotas = createProviderQuotaTracker({ clock: () => NOW });
    quotas.update('openai:gpt-4o', { headers: openaiHeaders(2, 940) });
    expect(quotas.admit('openai:gpt-4o', { tokens: 100 })).toEqual({ allowed: true });
    expect(quotas.admit('openai:gpt-4o', { tokens: 100 })).toEqual({ allowed: true });
    // Two requests left, two admitted: the third waits for the refill (1 s per request).
    expect(quotas.admit('openai:gpt-4o', { tokens: 100 })).toEqual({
      allowed: false,
      retryAfterMs: 1_000,
      limitedBy: 'requests',
    });
    expect(quotas.snapshot('openai:gpt-4o')?.buckets).toEqual([
      { name: 'requests', limit: 60, remaining: 0, resetAt: NOW + 60_000 },
      { name: 'tokens', limit: 1000, remaining: 740, resetAt: NOW + 15_600 },
    ]);
  });

  it('denies a request whose tokens do not fit, and says when they will', () => {
    let now = NOW;
    const quotas = createProviderQuotaTracker({ clock: () => now });
    quotas.update('k', { headers: openaiHeaders(50, 100) });
    // 300 tokens: 200 missing at 1 token per 60 ms.
    expect(quotas.admit('k', { tokens: 300 })).toEqual({
      allowed: false,
      retryAfterMs: 12_000,
      limitedBy: 'tokens',
    });
    now += 12_000;
    expect(quotas.admit('k', { tokens: 300 })).toEqual({ allowed: true });
  });

  it('ignores a late response that reports an older, higher count', () => {
    const quotas = createProviderQuotaTracker({ clock: () => NOW });
    quotas.update('k', { headers: openaiHeaders(1, 900) });
    quotas.update('k', { headers: openaiHeaders(5, 950) });
    expect(quotas.snapshot('k')?.buckets.map((bucket) => bucket.remaining)).toEqual([1, 900]);
  });

  it('keeps admitting under steady traffic below the limit', () => {
    let now = NOW;
    const quotas = createProviderQuotaTracker({ clock: () => now });
    // One request per 2 s against 60 per minute: the provider always reports 59 left.
    for (let request = 0; request < 100; request++) {
      expect(quotas.admit('k', { tokens: 10 })).toEqual({ allowed: true });
      quotas.update('k', { headers: openaiHeaders(59, 990) });
      now += 2_000;
    }
  });

  it('blocks every request until retry-after, and reports a Gemini per-day quota', () => {
    let now = NOW;
    const quotas = createProviderQuotaTracker({ clock: () => now });
    quotas.update('anthropic:claude', { headers: { 'retry-after': '20' } });
    expect(quotas.admit('anthropic:claude')).toEqual({
      allowed: false,
      retryAfterMs: 20_000,
      limitedBy: 'retry-after',
    });
    quotas.update('gemini:flash', {
      body: {
        error: {
          details: [
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3600s' },
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'RequestsPerDay' }],
            },
          ],
        },
      },
    });
    expect(quotas.admit('gemini:flash')).toMatchObject({
      allowed: false,
      limitedBy: 'daily-quota',
    });
    now += 20_000;
    expect(quotas.admit('anthropic:claude')).toEqual({ allowed: true });
  });

  it('forgets the stalest key beyond maxKeys, and validates its input', () => {
    const quotas = createProviderQuotaTracker({ clock: () => NOW, maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) quotas.update(key, { headers: { 'retry-after': '5' } });
    expect(quotas.snapshot('a')).toBeUndefined();
    expect(quotas.snapshot('c')?.blockedUntil).toBe(NOW + 5_000);
    expect(() => createProviderQuotaTracker({ maxKeys: 0 })).toThrow(
      'maxKeys must be an integer ≥ 1, got 0',
    );
    expect(() => quotas.admit('a', { tokens: -1 })).toThrow(
      'tokens must be a finite number ≥ 0, got -1',
    );
    expect(() => quotas.update('', {})).toThrow('key must be a non-empty string');
  });
});
