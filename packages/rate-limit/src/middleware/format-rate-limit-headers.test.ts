import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyDecision, RateLimitDecision } from '../rate-limit-decision.js';
import { decisionOf, freePolicies, NOW, policy } from './__fixtures__/decisions.js';
import {
  parseRateLimit,
  parseRateLimitPolicy,
  parseRetryAfter,
} from './__fixtures__/draft-headers.js';
import { formatRateLimitHeaders, selectReportedPolicies } from './format-rate-limit-headers.js';

const clock = () => NOW;

function consumed(entry: PolicyDecision, used: number, allowed = true): PolicyDecision {
  return { ...entry, remaining: Math.max(0, entry.limit - used), allowed };
}

describe('formatRateLimitHeaders', () => {
  it('names one policy per window and the token policy with a vendor unit parameter', () => {
    const [minute, hour, day, tokens] = freePolicies();
    const headers = formatRateLimitHeaders(
      decisionOf([consumed(minute!, 1), consumed(hour!, 1), consumed(day!, 1), tokens!]),
      { clock },
    );

    expect(headers).toEqual({
      'RateLimit-Policy':
        '"minute";q=10;w=60, "hour";q=100;w=3600, "day";q=500;w=86400, "tokens";q=50000;w=86400;breakwater-unit="tokens"',
      RateLimit: '"minute";r=9;t=60, "tokens";r=50000;t=86400',
    });
    const policies = parseRateLimitPolicy(headers['RateLimit-Policy']!);
    expect(policies.map((entry) => [entry.name, entry.q, entry.w])).toEqual([
      ['minute', 10, 60],
      ['hour', 100, 3600],
      ['day', 500, 86400],
      ['tokens', 50000, 86400],
    ]);
    expect(policies[3]!.vendor.get('breakwater-unit')).toEqual({ type: 'string', value: 'tokens' });
    expect(parseRateLimit(headers.RateLimit!, policies)).toEqual([
      { name: 'minute', r: 9, t: 60 },
      { name: 'tokens', r: 50000, t: 86400 },
    ]);
  });

  it('reports the request policy closest to exhaustion by remaining/limit', () => {
    const [minute, hour, day] = freePolicies();
    const headers = formatRateLimitHeaders(
      decisionOf([consumed(minute!, 2), consumed(hour!, 95), consumed(day!, 95)]),
      { clock },
    );
    // hour has 5/100 left, minute 8/10 and day 405/500: hour is the nearest wall.
    expect(parseRateLimit(headers.RateLimit!)).toEqual([{ name: 'hour', r: 5, t: 3600 }]);
  });

  it('reports the violated policy that frees last and sends Retry-After when the decision blocks', () => {
    const minute = { ...consumed(policy('minute', 10, 60_000), 10, false), resetAt: NOW + 12_300 };
    const hour = {
      ...consumed(policy('hour', 100, 3_600_000), 100, false),
      resetAt: NOW + 1_800_000,
    };
    const day = consumed(policy('day', 500, 86_400_000), 100);
    const decision = decisionOf([minute, hour, day], { retryAfterMs: 1_799_001 });

    const headers = formatRateLimitHeaders(decision, { clock });

    expect(parseRateLimit(headers.RateLimit!)).toEqual([{ name: 'hour', r: 0, t: 1800 }]);
    expect(parseRetryAfter(headers['Retry-After']!)).toBe(1800);
  });

  it('rounds Retry-After up and never below one second', () => {
    const blocked = (retryAfterMs: number) => {
      const minute = {
        ...consumed(policy('minute', 10, 60_000), 10, false),
        resetAt: NOW + retryAfterMs,
      };
      return formatRateLimitHeaders(decisionOf([minute], { retryAfterMs }), { clock })[
        'Retry-After'
      ];
    };
    expect(blocked(1)).toBe('1');
    expect(blocked(0)).toBe('1');
    expect(blocked(4001)).toBe('5');
  });

  it('never lets Retry-After point earlier than the reported reset (store clock ahead)', () => {
    const minute = { ...consumed(policy('minute', 10, 60_000), 10, false), resetAt: NOW + 9_000 };
    const headers = formatRateLimitHeaders(decisionOf([minute], { retryAfterMs: 4_000 }), {
      clock,
    });
    expect(parseRateLimit(headers.RateLimit!)).toEqual([{ name: 'minute', r: 0, t: 9 }]);
    expect(headers['Retry-After']).toBe('9');
  });

  it('reports a shadow denial truthfully but never sends Retry-After', () => {
    const minute = consumed(policy('minute', 10, 60_000), 10, false);
    const decision = decisionOf([minute], { allowed: true, shadow: true, retryAfterMs: 30_000 });

    const headers = formatRateLimitHeaders(decision, { clock });

    expect(parseRateLimit(headers.RateLimit!)).toEqual([{ name: 'minute', r: 0, t: 60 }]);
    expect(headers['Retry-After']).toBeUndefined();
  });

  it('sends legacy X-RateLimit-* for the first reported policy only when asked', () => {
    const [minute, hour] = freePolicies();
    const decision = decisionOf([consumed(minute!, 3), consumed(hour!, 3)]);

    expect(formatRateLimitHeaders(decision, { clock })['X-RateLimit-Limit']).toBeUndefined();
    const headers = formatRateLimitHeaders(decision, { clock, legacyHeaders: true });
    expect(headers['X-RateLimit-Limit']).toBe('10');
    expect(headers['X-RateLimit-Remaining']).toBe('7');
    expect(headers['X-RateLimit-Reset']).toBe(String((NOW + 60_000) / 1000));
  });

  it('omits the draft fields when standardHeaders is false', () => {
    const headers = formatRateLimitHeaders(decisionOf(freePolicies()), {
      clock,
      standardHeaders: false,
      legacyHeaders: true,
    });
    expect(Object.keys(headers).sort()).toEqual([
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ]);
  });

  it('omits the draft fields for a decision without policies and falls back to its top level', () => {
    const decision: RateLimitDecision = {
      allowed: true,
      tier: 'FREE',
      limit: 10,
      remaining: 4,
      resetAt: NOW + 2500,
      retryAfterMs: 0,
      policies: [],
      reason: 'store-unavailable',
    };
    expect(formatRateLimitHeaders(decision, { clock, legacyHeaders: true })).toEqual({
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '4',
      'X-RateLimit-Reset': String(Math.ceil((NOW + 2500) / 1000)),
    });
  });

  it('takes a custom vendor parameter for the token unit and rejects invalid ones', () => {
    const headers = formatRateLimitHeaders(
      decisionOf([policy('tpd', 1000, 86_400_000, NOW, 'tokens')]),
      {
        clock,
        tokenUnitParameter: 'acme-unit',
      },
    );
    expect(headers['RateLimit-Policy']).toBe('"tpd";q=1000;w=86400;acme-unit="tokens"');

    expect(() =>
      formatRateLimitHeaders(decisionOf([]), { tokenUnitParameter: 'Acme-Unit' }),
    ).toThrow(
      new TypeError(
        'tokenUnitParameter must be an RFC 9651 key (lowercase letter or *, then a-z 0-9 _ - . *), got "Acme-Unit"',
      ),
    );
    expect(() => formatRateLimitHeaders(decisionOf([]), { tokenUnitParameter: 'qu' })).toThrow(
      new TypeError(
        'tokenUnitParameter must not be a parameter the draft defines (q, qu, w, pk, r, t), got "qu"',
      ),
    );
  });

  it('keeps values valid at the edges: odd names, fractions, sub-second windows, past resets', () => {
    const odd: PolicyDecision = {
      name: 'per "user" \\ día',
      unit: 'requests',
      limit: 7.9,
      remaining: 2.5,
      windowMs: 250,
      resetAt: NOW - 5000,
      allowed: true,
      retryAfterMs: 0,
    };
    const headers = formatRateLimitHeaders(decisionOf([odd]), { clock });

    const policies = parseRateLimitPolicy(headers['RateLimit-Policy']!);
    expect(policies).toMatchObject([{ name: 'per "user" \\ d?a', q: 7, w: 1 }]);
    expect(parseRateLimit(headers.RateLimit!, policies)).toEqual([
      { name: 'per "user" \\ d?a', r: 2, t: 0 },
    ]);
  });

  it('produces draft-valid headers for any decision (property)', () => {
    const policyArbitrary = fc.record({
      name: fc.string({ minLength: 1, maxLength: 12 }),
      unit: fc.constantFrom('requests' as const, 'tokens' as const),
      limit: fc.integer({ min: 0, max: 2 ** 40 }),
      remainingRatio: fc.double({ min: 0, max: 1, noNaN: true }),
      windowMs: fc.integer({ min: 1, max: 400 * 86_400_000 }),
      resetIn: fc.integer({ min: -10_000, max: 400 * 86_400_000 }),
      allowed: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(policyArbitrary, {
          minLength: 1,
          maxLength: 6,
          selector: (entry) => entry.name,
        }),
        fc.integer({ min: 0, max: 10 ** 10 }),
        fc.boolean(),
        (entries, retryAfterMs, shadow) => {
          const policies = entries.map(
            (entry): PolicyDecision => ({
              name: entry.name,
              unit: entry.unit,
              limit: entry.limit,
              remaining: Math.floor(entry.limit * entry.remainingRatio),
              windowMs: entry.windowMs,
              resetAt: NOW + entry.resetIn,
              allowed: entry.allowed,
              retryAfterMs: entry.allowed ? 0 : entry.resetIn,
            }),
          );
          const base = decisionOf(policies, { retryAfterMs });
          const decision =
            shadow && !base.allowed ? { ...base, allowed: true, shadow: true } : base;

          const headers = formatRateLimitHeaders(decision, { clock, legacyHeaders: true });

          const parsedPolicies = parseRateLimitPolicy(headers['RateLimit-Policy']!);
          expect(parsedPolicies).toHaveLength(policies.length);
          const limits = parseRateLimit(headers.RateLimit!, parsedPolicies);
          expect(limits.length).toBe(new Set(policies.map((entry) => entry.unit)).size);
          const blocking = !decision.allowed && decision.shadow !== true;
          if (blocking) expect(parseRetryAfter(headers['Retry-After']!)).toBeGreaterThanOrEqual(1);
          else expect(headers['Retry-After']).toBeUndefined();
          for (const name of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) {
            expect(headers[name]).toMatch(/^[0-9]+$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('selectReportedPolicies', () => {
  it('keeps one policy per unit, requests before tokens', () => {
    const [minute, hour, day, tokens] = freePolicies();
    const selected = selectReportedPolicies(
      decisionOf([minute!, hour!, day!, consumed(tokens!, 49_000)]),
    );
    expect(selected.map((entry) => entry.name)).toEqual(['minute', 'tokens']);
  });
});
