import { describe, expect, it } from 'vitest';
import { BreakerTimeoutError } from './breaker-timeout-error.js';
import { classifyError, createErrorClassifier, toClassification } from './classify-error.js';
import { parseDuration, parseRetryAfter, retryAfterMsFromHeaders } from './retry-after.js';

const withStatus = (status: number, extra: object = {}) =>
  Object.assign(new Error(`status ${status}`), { status, ...extra });

describe('classifyError (structural shapes)', () => {
  it.each([
    [500, 'failure'],
    [502, 'failure'],
    [503, 'failure'],
    [529, 'failure'],
    [408, 'failure'],
    [400, 'success'],
    [401, 'success'],
    [403, 'success'],
    [404, 'success'],
    [413, 'success'],
    [422, 'success'],
  ])('status %i is %s', (status, verdict) => {
    expect(classifyError(withStatus(status))).toBe(verdict);
  });

  it('429 opens, with or without a Retry-After', () => {
    expect(classifyError(withStatus(429))).toBe('open');
    expect(classifyError(withStatus(429, { headers: { 'Retry-After': '2' } }))).toEqual({
      verdict: 'open',
      retryAfterMs: 2000,
    });
    expect(
      classifyError(withStatus(429, { headers: new Headers({ 'retry-after-ms': '250' }) })),
    ).toEqual({
      verdict: 'open',
      retryAfterMs: 250,
    });
  });

  it('reads a numeric retryAfterMs on the error, then on its cause chain (bounded)', () => {
    expect(classifyError(withStatus(429, { retryAfterMs: 7000 }))).toEqual({
      verdict: 'open',
      retryAfterMs: 7000,
    });
    // The status on the wrapper, the wait on what it wraps.
    const inner = withStatus(429, { headers: { 'retry-after': '3' } });
    expect(classifyError(withStatus(429, { cause: inner }))).toEqual({
      verdict: 'open',
      retryAfterMs: 3000,
    });
    expect(
      classifyError(new Error('outer', { cause: withStatus(429, { retryAfterMs: 40 }) })),
    ).toEqual({ verdict: 'open', retryAfterMs: 40 });
    // Unusable values are skipped, not trusted.
    for (const retryAfterMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, '500']) {
      expect(classifyError(withStatus(429, { retryAfterMs }))).toBe('open');
    }
    let deep: unknown = { retryAfterMs: 9000 };
    for (let depth = 0; depth < 4; depth++) deep = new Error(`wrapper ${depth}`, { cause: deep });
    expect(classifyError(withStatus(429, { cause: deep }))).toBe('open');
  });

  it("reads llm-stream's in-stream codes without a status", () => {
    expect(
      classifyError(
        Object.assign(new Error('slow down'), { code: 'rate_limited', retryAfterMs: 5 }),
      ),
    ).toEqual({ verdict: 'open', retryAfterMs: 5 });
    expect(classifyError(Object.assign(new Error('busy'), { code: 'overloaded' }))).toBe('failure');
  });

  it('caps a wild Retry-After at maxRetryAfterMs', () => {
    const classify = createErrorClassifier({ maxRetryAfterMs: 60_000 });
    expect(classify(withStatus(503, { headers: { 'retry-after': '86400' } }))).toEqual({
      verdict: 'failure',
      retryAfterMs: 60_000,
    });
  });

  it('reads axios-style error.response and http-errors statusCode', () => {
    expect(classifyError({ message: 'x', response: { status: 503, headers: {} } })).toBe('failure');
    expect(classifyError({ message: 'x', statusCode: 404 })).toBe('success');
  });

  it('aborts are ignored; timeouts and connection errors are failures, also through cause', () => {
    expect(classifyError(new DOMException('aborted', 'AbortError'))).toBe('ignored');
    expect(classifyError(new DOMException('timed out', 'TimeoutError'))).toBe('failure');
    expect(classifyError(new BreakerTimeoutError('x', 10))).toBe('failure');
    const socket = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(new TypeError('fetch failed', { cause: socket }))).toBe('failure');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(
      'failure',
    );
  });

  it('reads provider error types without a status (in-band stream errors)', () => {
    expect(classifyError({ error: { type: 'error', error: { type: 'overloaded_error' } } })).toBe(
      'failure',
    );
    expect(classifyError({ error: { error: { type: 'rate_limit_error' } } })).toBe('open');
    expect(classifyError({ type: 'invalid_request_error', code: 'context_length_exceeded' })).toBe(
      'success',
    );
  });

  it('unknown errors follow unknownError; options change the rules', () => {
    expect(classifyError(new Error('mystery'))).toBe('failure');
    expect(classifyError('a string')).toBe('failure');
    const classify = createErrorClassifier({
      unknownError: 'ignored',
      clientError: 'ignored',
      rateLimit: 'failure',
      statuses: { 401: 'failure' },
    });
    expect(classify(new Error('mystery'))).toBe('ignored');
    expect(classify(withStatus(400))).toBe('ignored');
    expect(classify(withStatus(401))).toBe('failure');
    expect(classify(withStatus(429))).toBe('failure');
    expect(() => createErrorClassifier({ maxRetryAfterMs: -1 })).toThrow(
      new RangeError('maxRetryAfterMs must be ≥ 0, got -1'),
    );
  });

  it('validates its options at construction', () => {
    expect(() => createErrorClassifier({ rateLimit: 'success' as 'open' })).toThrow(
      new TypeError("rateLimit must be 'open', 'failure', 'ignored', got success"),
    );
    expect(() => createErrorClassifier({ clientError: 'open' as 'success' })).toThrow(
      new TypeError("clientError must be 'success', 'ignored', 'failure', got open"),
    );
    expect(() => createErrorClassifier({ unknownError: 'fail' as 'failure' })).toThrow(
      new TypeError("unknownError must be 'failure', 'ignored', 'success', 'open', got fail"),
    );
    expect(() => createErrorClassifier({ statuses: { 401: 'retry' as 'failure' } })).toThrow(
      new TypeError("statuses[401] must be 'failure', 'ignored', 'success', 'open', got retry"),
    );
    expect(() => createErrorClassifier({ statuses: { 42: 'failure' } })).toThrow(
      new RangeError('statuses keys must be HTTP statuses 100–599, got 42'),
    );
    expect(() => createErrorClassifier({ maxRetryAfterMs: '5' as unknown as number })).toThrow(
      new RangeError('maxRetryAfterMs must be ≥ 0, got 5'),
    );
  });

  it('toClassification normalises string verdicts', () => {
    expect(toClassification('ignored')).toEqual({ verdict: 'ignored' });
  });
});

describe('Retry-After parsing', () => {
  it('parses seconds, HTTP dates and Go-style durations', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('20ms')).toBe(20);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('later')).toBeUndefined();
  });

  it('prefers retry-after-ms, then retry-after, then the reset of an exhausted OpenAI limit', () => {
    expect(retryAfterMsFromHeaders({ 'retry-after-ms': '10', 'retry-after': '5' })).toBe(10);
    expect(retryAfterMsFromHeaders({ 'x-ms-retry-after-ms': '30' })).toBe(30);
    expect(
      retryAfterMsFromHeaders({
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '2s',
        'x-ratelimit-remaining-tokens': '100',
        'x-ratelimit-reset-tokens': '50s',
      }),
    ).toBe(2000);
    expect(retryAfterMsFromHeaders({ 'x-ratelimit-reset-requests': '2s' })).toBeUndefined();
    expect(retryAfterMsFromHeaders(undefined)).toBeUndefined();
  });
});
