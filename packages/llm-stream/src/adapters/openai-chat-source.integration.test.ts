import { useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { openaiChatSource } from './openai-chat-source.js';
import { isProviderError } from './provider-error.js';

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

describe('openaiChatSource', () => {
  const server = useFakeLlmServer();
  const client = () =>
    new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 });
  const params = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Say hello' },
    ],
  };

  it('yields the text, then the usage of the final usage chunk, then the finish reason', async () => {
    server.enqueue({ chunks: ['Hi', ' there', '!'], usage: { inputTokens: 21, outputTokens: 3 } });
    expect(await collect(openaiChatSource(client(), params))).toEqual([
      { type: 'text', text: 'Hi' },
      { type: 'text', text: ' there' },
      { type: 'text', text: '!' },
      { type: 'usage', inputTokens: 21, outputTokens: 3, reasoningTokens: 0 },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('forces stream and stream_options.include_usage on and keeps every other param', async () => {
    await collect(
      openaiChatSource(client(), {
        ...params,
        temperature: 0.2,
        stream_options: { include_usage: false, include_obfuscation: false },
      }),
    );
    expect(server.requests[0]!.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
      messages: params.messages,
    });
  });

  it('reports prompt_tokens, cached tokens included, as the input', async () => {
    server.enqueue({
      chunks: ['x'],
      usage: { inputTokens: 1200, outputTokens: 1, cachedInputTokens: 1024 },
    });
    const events = await collect(openaiChatSource(client(), params));
    expect(events).toContainEqual({
      type: 'usage',
      inputTokens: 1200,
      outputTokens: 1,
      reasoningTokens: 0,
    });
  });

  it('passes the raw finish_reason through (length when max tokens cut the answer)', async () => {
    server.enqueue({ chunks: ['cut'], finishReason: 'length' });
    const events = await collect(openaiChatSource(client(), params));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('takes maxTokens from max_completion_tokens, then max_tokens, unless the options say', () => {
    expect(openaiChatSource(client(), { ...params, max_completion_tokens: 300 }).maxTokens).toBe(
      300,
    );
    expect(openaiChatSource(client(), { ...params, max_tokens: 200 }).maxTokens).toBe(200);
    expect(openaiChatSource(client(), params).maxTokens).toBeUndefined();
    expect(openaiChatSource(client(), params, { maxTokens: 50 }).maxTokens).toBe(50);
    // 'Be brief.' and 'Say hello' weigh 4.5 tokens, plus 3 per message and 3 before the reply.
    expect(openaiChatSource(client(), params).promptTokens).toBe(5 + 2 * 3 + 3);
    expect(openaiChatSource(client(), params, { promptTokens: 7 }).promptTokens).toBe(7);
  });

  it('names the provider as told, e.g. for Azure or an OpenAI-compatible server', () => {
    const source = openaiChatSource(client(), params, { provider: 'azure' });
    expect(source.provider).toBe('azure');
    expect(source.model).toBe('gpt-4o-mini');
  });

  it('sends the request options and honours their own signal too', async () => {
    server.enqueue({ chunks: ['a', 'b'], hangAfterChunks: 1 });
    const own = new AbortController();
    const source = openaiChatSource(client(), params, {
      requestOptions: { headers: { 'x-tenant': 'acme' }, signal: own.signal },
    });
    const iterator = (await source.open(new AbortController().signal))[Symbol.asyncIterator]();
    await iterator.next();
    own.abort(new Error('request-level cancel'));
    await expect(iterator.next()).rejects.toSatisfy(isProviderError);
    expect(server.requests[0]!.headers['x-tenant']).toBe('acme');
    await expect(server.requests[0]!.finished).resolves.toBe('client-closed');
  });

  it('reads retry-after-ms and x-should-retry from a failed response', async () => {
    server.enqueue({ httpError: { status: 503, retryAfterMs: 1500, shouldRetry: false } });
    const error = await openaiChatSource(client(), params)
      .open(new AbortController().signal)
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({
      code: 'overloaded',
      status: 503,
      retryAfterMs: 1500,
      retryable: false,
      providerCode: 'server_error',
    });
    expect(isProviderError(error) && error.requestId).toMatch(/^req_/);
  });

  it('rejects a 401 as a non-retryable authentication error', async () => {
    server.enqueue({ httpError: { status: 401 } });
    await expect(
      openaiChatSource(client(), params).open(new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'authentication',
      status: 401,
      retryable: false,
      providerCode: 'invalid_api_key',
    });
  });

  it('checks its arguments', () => {
    expect(() => openaiChatSource({} as unknown as OpenAI, params)).toThrow(
      new TypeError('openaiChatSource: client.chat.completions.create must be a function'),
    );
    expect(() => openaiChatSource(client(), { ...params, model: '' })).toThrow(TypeError);
    expect(() => openaiChatSource(client(), params, { maxTokens: 0 })).toThrow(
      new RangeError('openaiChatSource: maxTokens must be an integer ≥ 1, got 0'),
    );
    // @ts-expect-error the SDK's own params type checks the request
    expect(() => openaiChatSource(client(), { ...params, model: 42 })).toThrow(TypeError);
  });
});
