import Anthropic from '@anthropic-ai/sdk';
import { useFakeLlmServer } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { anthropicSource } from './anthropic-source.js';

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

describe('anthropicSource', () => {
  const server = useFakeLlmServer();
  const client = () =>
    new Anthropic({ apiKey: 'test-key', baseURL: server.anthropicBaseURL, maxRetries: 0 });
  const params = {
    model: 'claude-sonnet-5',
    max_tokens: 512,
    system: 'Be brief.',
    messages: [{ role: 'user' as const, content: 'Say hello' }],
  };

  it('yields message_start usage, text deltas, the cumulative message_delta usage, then the stop reason', async () => {
    server.enqueue({ chunks: ['Hi', ' there'], usage: { inputTokens: 25, outputTokens: 9 } });
    expect(await collect(anthropicSource(client(), params))).toEqual([
      { type: 'usage', inputTokens: 25, outputTokens: 1 },
      { type: 'text', text: 'Hi' },
      { type: 'text', text: ' there' },
      { type: 'usage', inputTokens: 25, outputTokens: 9 },
      { type: 'finish', reason: 'end_turn' },
    ]);
    expect(server.requests[0]!.body).toMatchObject({ ...params, stream: true });
  });

  it('skips ping events wherever they come', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c'], pingEveryChunks: 1 });
    const events = await collect(anthropicSource(client(), params));
    expect(events.filter((event) => event.type === 'text')).toHaveLength(3);
    expect(events.map((event) => event.type)).toEqual([
      'usage',
      'text',
      'text',
      'text',
      'usage',
      'finish',
    ]);
  });

  it('counts cache reads and writes in the input, as Anthropic bills them', async () => {
    server.enqueue({
      chunks: ['x'],
      usage: { inputTokens: 2000, outputTokens: 4, cachedInputTokens: 1800 },
    });
    const events = await collect(anthropicSource(client(), params));
    expect(events.filter((event) => event.type === 'usage')).toEqual([
      { type: 'usage', inputTokens: 2000, outputTokens: 1 },
      { type: 'usage', inputTokens: 2000, outputTokens: 4 },
    ]);
  });

  it('passes max_tokens through as the stop reason when the limit cut the answer', async () => {
    server.enqueue({ chunks: ['cut'], finishReason: 'length' });
    const events = await collect(anthropicSource(client(), params));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'max_tokens' });
  });

  it('rejects open() on a 529 with a retryable overloaded error', async () => {
    server.enqueue({ httpError: { status: 529, retryAfterSeconds: 3 } });
    await expect(
      anthropicSource(client(), params).open(new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'overloaded',
      status: 529,
      retryable: true,
      retryAfterMs: 3000,
      providerCode: 'overloaded_error',
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it('throws an overloaded_error event in the stream as a retryable overloaded error', async () => {
    server.enqueue({
      chunks: ['a', 'b', 'c'],
      streamError: { afterChunks: 2, kind: 'overloaded' },
    });
    const events: ProviderEvent[] = [];
    const reading = (async () => {
      for await (const event of await anthropicSource(client(), params).open(
        new AbortController().signal,
      )) {
        events.push(event);
      }
    })();
    await expect(reading).rejects.toMatchObject({
      code: 'overloaded',
      status: undefined,
      retryable: true,
      providerCode: 'overloaded_error',
      message: 'Overloaded',
    });
    // The last cumulative count is known when the error arrives: usage on error starts from it.
    expect(events).toEqual([
      { type: 'usage', inputTokens: 10, outputTokens: 1 },
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
  });

  it('takes maxTokens from max_tokens and counts the system prompt', () => {
    const source = anthropicSource(client(), params);
    expect(source.maxTokens).toBe(512);
    // The system prompt and one message weigh 4.5 tokens, plus 3 for the message and 3 before the reply.
    expect(source.promptTokens).toBe(5 + 3 + 3);
    expect(source.provider).toBe('anthropic');
  });

  it('checks its arguments', () => {
    expect(() => anthropicSource({ messages: {} } as unknown as Anthropic, params)).toThrow(
      new TypeError('anthropicSource: client.messages.create must be a function'),
    );
    expect(() => anthropicSource(client(), params, { provider: '' })).toThrow(TypeError);
  });
});
