import Anthropic from '@anthropic-ai/sdk';
import { ApiError } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isProviderError, ProviderError, toProviderError } from './provider-error.js';

// Errors are built with the SDKs' own classes, exactly as they construct them from responses.
describe('toProviderError', () => {
  it('reads an OpenAI 429: status, code, Retry-After, request id', () => {
    const error = OpenAI.APIError.generate(
      429,
      {
        error: {
          message: 'Rate limit reached',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      undefined,
      new Headers({ 'retry-after': '12', 'x-request-id': 'req_123' }),
    );
    expect(toProviderError(error, { provider: 'openai' })).toMatchObject({
      name: 'ProviderError',
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 12_000,
      provider: 'openai',
      providerCode: 'rate_limit_exceeded',
      requestId: 'req_123',
      message: 'Rate limit reached',
      cause: error,
    });
  });

  it('does not retry a 429 for exhausted quota', () => {
    const error = OpenAI.APIError.generate(
      429,
      {
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      },
      undefined,
      new Headers(),
    );
    expect(toProviderError(error)).toMatchObject({
      code: 'quota_exceeded',
      status: 429,
      retryable: false,
    });
  });

  it('prefers retry-after-ms, accepts an HTTP date, and ignores nonsense', () => {
    const at = (headers: Record<string, string>) =>
      toProviderError(OpenAI.APIError.generate(503, undefined, undefined, new Headers(headers)), {
        now: Date.parse('2026-01-01T00:00:00Z'),
      }).retryAfterMs;
    expect(at({ 'retry-after-ms': '250.4', 'retry-after': '9' })).toBe(250);
    expect(at({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' })).toBe(30_000);
    expect(at({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' })).toBe(0);
    expect(at({ 'retry-after': 'soon' })).toBeUndefined();
    expect(at({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(at({})).toBeUndefined();
  });

  it('lets x-should-retry override the status', () => {
    const headers = (value: string) => new Headers({ 'x-should-retry': value });
    expect(
      toProviderError(OpenAI.APIError.generate(500, undefined, undefined, headers('false')))
        .retryable,
    ).toBe(false);
    expect(
      toProviderError(OpenAI.APIError.generate(400, undefined, undefined, headers('true')))
        .retryable,
    ).toBe(true);
  });

  it('reads an Anthropic 529 overloaded error', () => {
    const error = Anthropic.APIError.generate(
      529,
      {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: 'req_9',
      },
      undefined,
      new Headers({ 'request-id': 'req_9' }),
    );
    expect(toProviderError(error, { provider: 'anthropic' })).toMatchObject({
      code: 'overloaded',
      status: 529,
      retryable: true,
      providerCode: 'overloaded_error',
      requestId: 'req_9',
      message: 'Overloaded',
    });
  });

  it('reads a genai ApiError, its Google RPC status and RetryInfo delay', () => {
    const body = {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }],
      },
    };
    const error = new ApiError({ message: JSON.stringify(body), status: 429 });
    expect(toProviderError(error, { provider: 'gemini' })).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfterMs: 1500,
      providerCode: 'RESOURCE_EXHAUSTED',
      message: 'Resource has been exhausted (e.g. check quota).',
    });
    const inStream = new ApiError({
      message: `got status: UNAVAILABLE. ${JSON.stringify({ error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } })}`,
      status: 503,
    });
    expect(toProviderError(inStream)).toMatchObject({
      code: 'overloaded',
      retryable: true,
      message: 'busy',
    });
  });

  it('classifies connection failures, timeouts and aborts', () => {
    expect(
      toProviderError(new OpenAI.APIConnectionError({ message: 'Connection error.' })),
    ).toMatchObject({
      code: 'connection',
      retryable: true,
      status: undefined,
    });
    expect(
      toProviderError(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
        }),
      ).code,
    ).toBe('connection');
    expect(toProviderError(new Anthropic.APIConnectionTimeoutError())).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(
      toProviderError(new DOMException('The operation was aborted', 'AbortError')),
    ).toMatchObject({
      code: 'aborted',
      retryable: false,
    });
    expect(toProviderError(new OpenAI.APIUserAbortError()).code).toBe('aborted');
  });

  it('maps what it does not know to a non-retryable unknown error', () => {
    expect(toProviderError(new Error('weird'))).toMatchObject({
      code: 'unknown',
      retryable: false,
      message: 'weird',
    });
    expect(toProviderError('text')).toMatchObject({
      code: 'unknown',
      message: 'text',
      cause: 'text',
    });
    expect(toProviderError(undefined).message).toBe('non-error thrown: undefined');
  });

  it('returns a ProviderError unchanged', () => {
    const error = new ProviderError({ code: 'timeout', message: 'slow' });
    expect(toProviderError(error)).toBe(error);
    expect(error.retryable).toBe(true);
  });
});

describe('isProviderError', () => {
  it('recognises errors from any copy of the package by their global brand', () => {
    expect(isProviderError(new ProviderError({ code: 'overloaded', message: 'busy' }))).toBe(true);
    const foreign = new Error('busy');
    Object.defineProperty(foreign, Symbol.for('breakwater.llm-stream.ProviderError'), {
      value: true,
    });
    expect(isProviderError(foreign)).toBe(true);
    expect(isProviderError(new Error('busy'))).toBe(false);
    expect(isProviderError(null)).toBe(false);
  });
});
