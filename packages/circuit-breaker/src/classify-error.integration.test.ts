import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { toProviderError } from '@breakwater/llm-stream';
import { freePort } from '@breakwater/testing';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from './circuit-breaker.js';
import { classifyError, createErrorClassifier } from './classify-error.js';

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
}

// What each provider really sends, per scenario (status, headers and JSON error body).
const openaiReplies: Record<string, Reply> = {
  'rate-limit': {
    status: 429,
    headers: { 'retry-after': '12', 'x-ratelimit-remaining-requests': '0' },
    body: {
      error: {
        message: 'Rate limit reached for gpt-4o in organization org-x on requests per min (RPM).',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  'reset-header': {
    status: 429,
    headers: { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1m30s' },
    body: {
      error: {
        message: 'Rate limit reached on tokens per min (TPM).',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  'server-error': {
    status: 500,
    body: {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
  overloaded: {
    status: 529,
    body: {
      error: {
        message: 'The engine is currently overloaded.',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
  'context-length': {
    status: 400,
    body: {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 210000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  },
};

const anthropicReplies: Record<string, Reply> = {
  'rate-limit': {
    status: 429,
    headers: { 'retry-after': '12', 'anthropic-ratelimit-requests-remaining': '0' },
    body: {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your per-minute rate limit.',
      },
    },
  },
  'server-error': {
    status: 500,
    body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
  },
  overloaded: {
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  },
  'context-length': {
    status: 400,
    body: {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'prompt is too long: 210000 tokens > 200000 maximum',
      },
    },
  },
};

const googleReplies: Record<string, Reply> = {
  'rate-limit': {
    status: 429,
    body: {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '31s' }],
      },
    },
  },
  overloaded: {
    status: 503,
    body: {
      error: {
        code: 503,
        message: 'The model is overloaded. Please try again later.',
        status: 'UNAVAILABLE',
      },
    },
  },
  'context-length': {
    status: 400,
    body: {
      error: {
        code: 400,
        message:
          'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
        status: 'INVALID_ARGUMENT',
      },
    },
  },
};

let server: Server;
let baseUrl = '';
let scenario = 'server-error';
/** Requests that hang until the client gives up (timeouts and aborts). */
let hang = false;

function provider(request: IncomingMessage): Record<string, Reply> {
  if (request.url?.startsWith('/v1/messages')) return anthropicReplies;
  if (request.url?.includes(':generateContent')) return googleReplies;
  return openaiReplies;
}

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      if (hang) return;
      const reply = provider(request)[scenario];
      if (!reply) throw new Error(`no ${scenario} reply for ${request.url}`);
      response.writeHead(reply.status, {
        'content-type': 'application/json',
        'x-request-id': 'req_test',
        ...reply.headers,
      });
      response.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function openai(options: { timeout?: number; baseURL?: string } = {}) {
  return new OpenAI({ apiKey: 'sk-test', baseURL: `${baseUrl}/v1`, maxRetries: 0, ...options });
}

function anthropic(options: { timeout?: number } = {}) {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: baseUrl, maxRetries: 0, ...options });
}

async function openaiError(name: string, signal?: AbortSignal): Promise<unknown> {
  scenario = name;
  return openai()
    .chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { signal },
    )
    .then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error,
    );
}

async function anthropicError(name: string, signal?: AbortSignal): Promise<unknown> {
  scenario = name;
  return anthropic()
    .messages.create(
      { model: 'claude-sonnet-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
      { signal },
    )
    .then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error,
    );
}

async function googleError(name: string): Promise<unknown> {
  scenario = name;
  const client = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl } });
  return client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('classifyError with the real openai client', () => {
  it('429 with Retry-After opens for that long', async () => {
    expect(classifyError(await openaiError('rate-limit'))).toEqual({
      verdict: 'open',
      retryAfterMs: 12_000,
    });
  });

  it("429 without Retry-After uses OpenAI's reset header of the exhausted limit", async () => {
    expect(classifyError(await openaiError('reset-header'))).toEqual({
      verdict: 'open',
      retryAfterMs: 90_000,
    });
  });

  it('500 and 529 are failures', async () => {
    expect(classifyError(await openaiError('server-error'))).toBe('failure');
    expect(classifyError(await openaiError('overloaded'))).toBe('failure');
  });

  it('400 context length is not a failure of the provider', async () => {
    expect(classifyError(await openaiError('context-length'))).toBe('success');
  });

  it('connection errors and timeouts are failures; the caller abort is ignored', async () => {
    const closedPort = await freePort();
    const refused = await openai({ baseURL: `http://127.0.0.1:${closedPort}/v1` })
      .models.list()
      .catch((error: unknown) => error);
    expect((refused as Error).constructor.name).toBe('APIConnectionError');
    expect(classifyError(refused)).toBe('failure');
    hang = true;
    try {
      const timedOut = await openai({ timeout: 50 })
        .models.list()
        .catch((error: unknown) => error);
      expect((timedOut as Error).constructor.name).toBe('APIConnectionTimeoutError');
      expect(classifyError(timedOut)).toBe('failure');
      const controller = new AbortController();
      const aborted = openaiError('server-error', controller.signal);
      setTimeout(() => controller.abort(), 20);
      const error = await aborted;
      expect((error as Error).constructor.name).toBe('APIUserAbortError');
      expect(classifyError(error)).toBe('ignored');
    } finally {
      hang = false;
    }
  });

  it('rateLimit: "failure" counts a 429 as a failure that carries its Retry-After', async () => {
    const classify = createErrorClassifier({ rateLimit: 'failure' });
    expect(classify(await openaiError('rate-limit'))).toEqual({
      verdict: 'failure',
      retryAfterMs: 12_000,
    });
  });
});

describe("classifyError with llm-stream's ProviderError", () => {
  it('opens for the Retry-After that toProviderError parsed from a real openai 429', async () => {
    const failure = toProviderError(await openaiError('rate-limit'), { provider: 'openai' });
    expect(failure).toMatchObject({ status: 429, code: 'rate_limited', retryAfterMs: 12_000 });
    expect(classifyError(failure)).toEqual({ verdict: 'open', retryAfterMs: 12_000 });
  });

  it("falls back to the wrapped SDK error's headers when retryAfterMs is absent", async () => {
    const failure = toProviderError(await openaiError('reset-header'), { provider: 'openai' });
    expect(failure.retryAfterMs).toBeUndefined();
    expect(classifyError(failure)).toEqual({ verdict: 'open', retryAfterMs: 90_000 });
  });

  it('a breaker opens for the provider Retry-After, not the default open duration', async () => {
    const breaker = createCircuitBreaker({ name: 'openai:provider-error', openDurationMs: 1000 });
    scenario = 'rate-limit';
    await breaker
      .execute((signal) =>
        openai()
          .chat.completions.create(
            { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
            { signal },
          )
          .catch((error: unknown) => {
            throw toProviderError(error, { provider: 'openai' });
          }),
      )
      .catch(() => undefined);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.snapshot().retryAfterMs).toBeGreaterThan(11_000);
  });
});

describe('classifyError with the real @anthropic-ai/sdk client', () => {
  it('429 with Retry-After opens for that long', async () => {
    expect(classifyError(await anthropicError('rate-limit'))).toEqual({
      verdict: 'open',
      retryAfterMs: 12_000,
    });
  });

  it('500 and 529 overloaded_error are failures', async () => {
    expect(classifyError(await anthropicError('server-error'))).toBe('failure');
    const overloaded = await anthropicError('overloaded');
    expect((overloaded as Error).name).toBe('OverloadedError');
    expect(classifyError(overloaded)).toBe('failure');
  });

  it('400 prompt too long is not a failure of the provider', async () => {
    expect(classifyError(await anthropicError('context-length'))).toBe('success');
  });

  it('the caller abort is ignored', async () => {
    hang = true;
    try {
      const controller = new AbortController();
      const pending = anthropicError('server-error', controller.signal);
      setTimeout(() => controller.abort(), 20);
      expect(classifyError(await pending)).toBe('ignored');
    } finally {
      hang = false;
    }
  });
});

describe('classifyError with the real @google/genai client', () => {
  it('429 RESOURCE_EXHAUSTED opens for its RetryInfo delay', async () => {
    expect(classifyError(await googleError('rate-limit'))).toEqual({
      verdict: 'open',
      retryAfterMs: 31_000,
    });
  });

  it('503 UNAVAILABLE is a failure, 400 INVALID_ARGUMENT is not', async () => {
    expect(classifyError(await googleError('overloaded'))).toBe('failure');
    expect(classifyError(await googleError('context-length'))).toBe('success');
  });
});

describe('classifyError with fetch Responses', () => {
  it('reads the status and Retry-After of a thrown Response', async () => {
    scenario = 'rate-limit';
    const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(classifyError(response)).toEqual({ verdict: 'open', retryAfterMs: 12_000 });
    scenario = 'server-error';
    expect(classifyError(await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST' }))).toBe(
      'failure',
    );
  });
});

describe('a breaker per model around the real clients', () => {
  it('opens on a 429 for Retry-After, counts 5xx, and lets context-length errors through', async () => {
    const breaker = createCircuitBreaker({ name: 'openai:gpt-4o', failureThreshold: 2 });
    const complete = () =>
      breaker.execute((signal) =>
        openai().chat.completions.create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
          { signal },
        ),
      );
    scenario = 'context-length';
    for (let index = 0; index < 5; index++) await complete().catch(() => undefined);
    expect(breaker.state).toBe('CLOSED');
    scenario = 'server-error';
    await complete().catch(() => undefined);
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
    scenario = 'rate-limit';
    await complete().catch(() => undefined);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.snapshot().retryAfterMs).toBeGreaterThan(11_000);
    await expect(complete()).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      breakerName: 'openai:gpt-4o',
    });
  });

  it('a stream permit records the outcome when the Anthropic call ends', async () => {
    const breaker = createCircuitBreaker({ name: 'anthropic:claude', failureThreshold: 1 });
    const permit = breaker.tryAcquire();
    if (!permit.ok) throw new Error('expected a permit');
    const error = await anthropicError('overloaded');
    permit.failure(error);
    expect(breaker.state).toBe('OPEN');
  });
});
