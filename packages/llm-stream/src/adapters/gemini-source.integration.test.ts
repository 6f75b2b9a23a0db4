import { useFakeLlmServer } from '@breakwater/testing';
import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { geminiSource } from './gemini-source.js';

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

describe('geminiSource', () => {
  const server = useFakeLlmServer();
  const client = () =>
    new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.geminiBaseUrl } });
  const params = { model: 'gemini-2.5-flash', contents: 'Say hello' };

  it('yields each chunk text with its cumulative usageMetadata, then the finishReason', async () => {
    server.enqueue({
      chunks: ['One', ' two', ' three', ' four'],
      usage: { inputTokens: 8, outputTokens: 12 },
    });
    expect(await collect(geminiSource(client(), params))).toEqual([
      { type: 'text', text: 'One' },
      { type: 'usage', inputTokens: 8, outputTokens: 3 },
      { type: 'text', text: ' two' },
      { type: 'usage', inputTokens: 8, outputTokens: 6 },
      { type: 'text', text: ' three' },
      { type: 'usage', inputTokens: 8, outputTokens: 9 },
      { type: 'text', text: ' four' },
      { type: 'usage', inputTokens: 8, outputTokens: 12 },
      { type: 'finish', reason: 'STOP' },
    ]);
    const [request] = server.requests;
    expect(request!.url).toMatch(
      /^\/v1(beta)?\/models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse$/,
    );
    expect(request!.headers['x-goog-api-key']).toBe('test-key');
  });

  it('passes MAX_TOKENS through when the limit cut the answer', async () => {
    server.enqueue({ chunks: ['cut'], finishReason: 'length' });
    const events = await collect(geminiSource(client(), params));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'MAX_TOKENS' });
  });

  it('throws a blocked prompt as a non-retryable content_filter error, after its usage', async () => {
    server.enqueue({ geminiBlockReason: 'SAFETY', usage: { inputTokens: 14, outputTokens: 0 } });
    const events: ProviderEvent[] = [];
    const reading = (async () => {
      for await (const event of await geminiSource(client(), params).open(
        new AbortController().signal,
      )) {
        events.push(event);
      }
    })();
    await expect(reading).rejects.toMatchObject({
      code: 'content_filter',
      retryable: false,
      providerCode: 'SAFETY',
      provider: 'gemini',
    });
    expect(events).toEqual([{ type: 'usage', inputTokens: 14 }]);
  });

  it('reads the retry delay from the RetryInfo detail of a 429', async () => {
    server.enqueue({ httpError: { status: 429, retryAfterSeconds: 27 } });
    await expect(
      geminiSource(client(), params).open(new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfterMs: 27_000,
      providerCode: 'RESOURCE_EXHAUSTED',
    });
  });

  it('rejects a 503 as a retryable overloaded error', async () => {
    server.enqueue({ httpError: { status: 503 } });
    await expect(
      geminiSource(client(), params).open(new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'overloaded',
      status: 503,
      retryable: true,
      providerCode: 'UNAVAILABLE',
    });
  });

  it('keeps the caller config and honours its own abortSignal too', async () => {
    server.enqueue({ chunks: ['a', 'b'], hangAfterChunks: 1 });
    const own = new AbortController();
    const source = geminiSource(client(), {
      ...params,
      config: { temperature: 0.1, maxOutputTokens: 64, abortSignal: own.signal },
    });
    expect(source.maxTokens).toBe(64);
    const iterator = (await source.open(new AbortController().signal))[Symbol.asyncIterator]();
    await iterator.next();
    own.abort(new Error('config-level cancel'));
    await expect(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
    ).rejects.toThrow();
    expect(server.requests[0]!.body).toMatchObject({
      generationConfig: { temperature: 0.1, maxOutputTokens: 64 },
    });
    await expect(server.requests[0]!.finished).resolves.toBe('client-closed');
  });

  it('counts the text of contents and the system instruction', () => {
    const source = geminiSource(client(), {
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: 'abc' }, { text: 'de' }] }],
      config: { systemInstruction: 'xyz' },
    });
    // 'abc', 'de' and 'xyz' weigh 2 tokens, plus 3 for the one content and 3 before the reply.
    expect(source.promptTokens).toBe(2 + 3 + 3);
  });

  it('checks its arguments', () => {
    expect(() => geminiSource({ models: {} } as unknown as GoogleGenAI, params)).toThrow(
      new TypeError('geminiSource: client.models.generateContentStream must be a function'),
    );
    expect(() => geminiSource(client(), params, { promptTokens: -1 })).toThrow(RangeError);
  });
});
