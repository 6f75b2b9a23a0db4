import { describe, expect, it } from 'vitest';
import { ProviderError } from './adapters/provider-error.js';
import { describeUpstreamFailure, isProviderFailure } from './upstream-failure.js';

describe('describeUpstreamFailure', () => {
  it.each([
    [429, true],
    [408, true],
    [409, true],
    [500, true],
    [503, true],
    [529, true],
    [400, false],
    [401, false],
    [404, false],
  ])('treats status %i as retryable: %s', (status, retryable) => {
    expect(describeUpstreamFailure(Object.assign(new Error('x'), { status })).retryable).toBe(
      retryable,
    );
  });

  it('treats an error without status (a connection failure) as retryable', () => {
    expect(describeUpstreamFailure(new TypeError('fetch failed'))).toMatchObject({
      status: undefined,
      retryable: true,
      message: 'fetch failed',
    });
  });

  it('does not retry an error without status that is not a connection failure or a timeout', () => {
    expect(describeUpstreamFailure(new Error('undefined is not a function')).retryable).toBe(false);
    expect(describeUpstreamFailure('boom').retryable).toBe(false);
    expect(
      describeUpstreamFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' })).retryable,
    ).toBe(true);
    expect(describeUpstreamFailure(new DOMException('slow', 'TimeoutError')).retryable).toBe(true);
    expect(describeUpstreamFailure({ code: 'rate_limited' }).retryable).toBe(true);
  });

  it.each([
    [Object.assign(new Error('x'), { status: 503 }), true],
    [Object.assign(new Error('x'), { status: 429 }), true],
    [new ProviderError({ code: 'quota_exceeded', message: 'x', status: 429 }), true],
    [new ProviderError({ code: 'overloaded', message: 'x', retryable: false }), true],
    [new TypeError('fetch failed'), true],
    [Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' }), true],
    [Object.assign(new Error('x'), { status: 400 }), false],
    [Object.assign(new Error('x'), { status: 401 }), false],
    [Object.assign(new Error('x'), { status: 404 }), false],
    [new ProviderError({ code: 'content_filter', message: 'x' }), false],
    [new ProviderError({ code: 'invalid_request', message: 'x', status: 400 }), false],
    [new Error('bug'), false],
  ])('isProviderFailure(%s) is %s', (error, expected) => {
    expect(isProviderFailure(error)).toBe(expected);
  });

  it('lets a boolean retryable on the error decide, as the adapters ProviderError sets it', () => {
    expect(describeUpstreamFailure({ retryable: false, code: 'invalid_request' }).retryable).toBe(
      false,
    );
    expect(describeUpstreamFailure({ status: 400, retryable: true }).retryable).toBe(true);
  });

  it('recognises a rate limit by status or by code', () => {
    expect(describeUpstreamFailure({ status: 429 }).rateLimited).toBe(true);
    expect(describeUpstreamFailure({ code: 'rate_limited' }).rateLimited).toBe(true);
    expect(describeUpstreamFailure({ status: 503 }).rateLimited).toBe(false);
  });

  it('reads Retry-After as milliseconds, seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(
      describeUpstreamFailure({ headers: { 'retry-after-ms': '250' } }, now).retryAfterMs,
    ).toBe(250);
    expect(describeUpstreamFailure({ headers: { 'retry-after': '3' } }, now).retryAfterMs).toBe(
      3000,
    );
    expect(
      describeUpstreamFailure({ headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } }, now)
        .retryAfterMs,
    ).toBe(5000);
    expect(
      describeUpstreamFailure({ headers: { 'retry-after': 'soon' } }, now).retryAfterMs,
    ).toBeUndefined();
    expect(
      describeUpstreamFailure({ retryAfterMs: 42, headers: { 'retry-after': '9' } }).retryAfterMs,
    ).toBe(42);
  });
});
