import Anthropic from '@anthropic-ai/sdk';
import { type FakeLlmServer, useFakeLlmServer } from '@breakwater/testing';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { anthropicSource } from './anthropic-source.js';
import { geminiSource } from './gemini-source.js';
import { openaiChatSource } from './openai-chat-source.js';
import { openaiResponsesSource } from './openai-responses-source.js';
import { isProviderError, type ProviderError } from './provider-error.js';

// One contract for every SDK adapter, run with the real official client against the fake server.
interface AdapterCase {
  readonly name: string;
  readonly provider: string;
  readonly stopReason: string;
  readonly source: (server: FakeLlmServer) => ProviderStreamSource;
}

const cases: AdapterCase[] = [
  {
    name: 'openaiChatSource',
    provider: 'openai',
    stopReason: 'stop',
    source: (server) =>
      openaiChatSource(
        new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 }),
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] },
      ),
  },
  {
    name: 'openaiResponsesSource',
    provider: 'openai',
    stopReason: 'completed',
    source: (server) =>
      openaiResponsesSource(
        new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 }),
        { model: 'gpt-4.1-mini', input: 'Say hello' },
      ),
  },
  {
    name: 'anthropicSource',
    provider: 'anthropic',
    stopReason: 'end_turn',
    source: (server) =>
      anthropicSource(
        new Anthropic({ apiKey: 'test-key', baseURL: server.anthropicBaseURL, maxRetries: 0 }),
        {
          model: 'claude-sonnet-5',
          max_tokens: 256,
          messages: [{ role: 'user', content: 'Say hello' }],
        },
      ),
  },
  {
    name: 'geminiSource',
    provider: 'gemini',
    stopReason: 'STOP',
    source: (server) =>
      geminiSource(
        new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.geminiBaseUrl } }),
        {
          model: 'gemini-2.5-flash',
          contents: 'Say hello',
        },
      ),
  },
];

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

function texts(events: readonly ProviderEvent[]) {
  return events.flatMap((event) => (event.type === 'text' ? [event.text] : []));
}

describe.each(cases)('$name with the real SDK', (adapter) => {
  const server = useFakeLlmServer();

  it('streams every text chunk in order and ends with one finish event', async () => {
    server.enqueue({ chunks: ['Hel', 'lo', ', ', 'world'] });
    const events = await collect(adapter.source(server));
    expect(texts(events)).toEqual(['Hel', 'lo', ', ', 'world']);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: adapter.stopReason });
    expect(events.filter((event) => event.type === 'finish')).toHaveLength(1);
    expect(events.at(-2)).toMatchObject({ type: 'usage', inputTokens: 10, outputTokens: 4 });
    expect(server.requests[0]!.stream).toBe(true);
    expect(server.requests[0]!.state).toBe('completed');
  });

  it('names the provider and the model', () => {
    const source = adapter.source(server);
    expect(source.provider).toBe(adapter.provider);
    expect(source.model).not.toBe('');
    // 'Say hello' weighs 2.25 tokens, plus 3 for the message and 3 before the reply.
    expect(source.promptTokens).toBe(3 + 3 + 3);
  });

  it('rejects open() with a retryable rate_limited error and the Retry-After delay on a 429', async () => {
    server.enqueue({ httpError: { status: 429, retryAfterSeconds: 7 } });
    const error = await failure(adapter.source(server).open(new AbortController().signal));
    expect(error).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(error.provider).toBe(adapter.provider);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects open() with a retryable server_error on a 500', async () => {
    server.enqueue({ httpError: { status: 500 } });
    const error = await failure(adapter.source(server).open(new AbortController().signal));
    expect(error).toMatchObject({ code: 'server_error', status: 500, retryable: true });
  });

  it('rejects open() with a non-retryable error on a 400', async () => {
    server.enqueue({ httpError: { status: 400, message: 'messages: field required' } });
    const error = await failure(adapter.source(server).open(new AbortController().signal));
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, retryable: false });
    expect(error.message).toContain('messages: field required');
  });

  it('throws a provider error event from the iterator after the text that came before it', async () => {
    server.enqueue({
      chunks: ['a', 'b', 'c', 'd'],
      streamError: { afterChunks: 2, kind: 'server_error' },
    });
    const events: ProviderEvent[] = [];
    const iterable = await adapter.source(server).open(new AbortController().signal);
    const error = await failure(
      (async () => {
        for await (const event of iterable) events.push(event);
      })(),
    );
    expect(texts(events)).toEqual(['a', 'b']);
    expect(error).toMatchObject({
      code: 'server_error',
      retryable: true,
      status: adapter.provider === 'gemini' ? 500 : undefined,
    });
    expect(events.some((event) => event.type === 'finish')).toBe(false);
  });

  it('throws a retryable rate_limited error for a rate-limit event in the stream', async () => {
    server.enqueue({ chunks: ['a', 'b'], streamError: { afterChunks: 1, kind: 'rate_limited' } });
    const error = await failure(collect(adapter.source(server)));
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true });
  });

  it('throws incomplete_stream when the stream ends cleanly before its terminal event', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c'], truncateAfterChunks: 2 });
    const error = await failure(collect(adapter.source(server)));
    expect(error).toMatchObject({ code: 'incomplete_stream', retryable: true });
  });

  it('throws a retryable connection error when the connection drops mid-stream', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c'], disconnectAfterChunks: 2 });
    const error = await failure(collect(adapter.source(server)));
    expect(error.retryable).toBe(true);
    expect(['connection', 'incomplete_stream']).toContain(error.code);
  });

  it('closes the upstream connection when the signal aborts mid-stream', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c', 'd'], hangAfterChunks: 2 });
    const controller = new AbortController();
    const iterator = (await adapter.source(server).open(controller.signal))[Symbol.asyncIterator]();
    const seen: string[] = [];
    while (seen.length < 2) {
      const result = await iterator.next();
      if (result.done) throw new Error('stream ended early');
      if (result.value.type === 'text') seen.push(result.value.text);
    }
    // The pull below waits on the network (Gemini may still have its usage event in hand).
    const pending = iterator.next();
    const reason = new Error('user cancelled');
    controller.abort(reason);
    const afterAbort = async () => {
      const first = await pending;
      if (!first.done && first.value.type === 'text') throw new Error('text after the abort');
      await iterator.next();
    };
    await expect(afterAbort()).rejects.toBe(reason);
    const [request] = await server.waitForRequests(1);
    await expect(request!.finished).resolves.toBe('client-closed');
    expect(request!.chunksSent).toBe(2);
    expect(seen).toEqual(['a', 'b']);
  });

  it('closes the upstream connection when the signal aborts before the response headers', async () => {
    server.enqueue({ headersDelayMs: 5_000 });
    const controller = new AbortController();
    const opening = adapter.source(server).open(controller.signal);
    const [request] = await server.waitForRequests(1);
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(opening).rejects.toBe(reason);
    await expect(request!.finished).resolves.toBe('client-closed');
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c'], hangAfterChunks: 1 });
    const iterable = await adapter.source(server).open(new AbortController().signal);
    for await (const event of iterable) {
      if (event.type === 'text') break;
    }
    const [request] = await server.waitForRequests(1);
    await expect(request!.finished).resolves.toBe('client-closed');
  });

  it('rejects open() at once with an already aborted signal, without a request', async () => {
    const controller = new AbortController();
    const reason = new Error('too late');
    controller.abort(reason);
    await expect(adapter.source(server).open(controller.signal)).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});
