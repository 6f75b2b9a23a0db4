import { useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { openaiResponsesSource } from './openai-responses-source.js';

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

describe('openaiResponsesSource', () => {
  const server = useFakeLlmServer();
  const client = () =>
    new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 });
  const params = { model: 'gpt-4.1-mini', instructions: 'Be brief.', input: 'Say hello' };

  it('yields output_text deltas, then the usage of response.completed, then `completed`', async () => {
    server.enqueue({ chunks: ['Hi', '!'], usage: { inputTokens: 30, outputTokens: 2 } });
    expect(await collect(openaiResponsesSource(client(), params))).toEqual([
      { type: 'text', text: 'Hi' },
      { type: 'text', text: '!' },
      { type: 'usage', inputTokens: 30, outputTokens: 2, reasoningTokens: 0 },
      { type: 'finish', reason: 'completed' },
    ]);
    expect(server.requests[0]!.api).toBe('openai.responses');
    expect(server.requests[0]!.body).toMatchObject({ ...params, stream: true });
  });

  it('ends a response.incomplete with its reason and usage', async () => {
    server.enqueue({
      chunks: ['cut'],
      finishReason: 'length',
      usage: { inputTokens: 5, outputTokens: 16 },
    });
    const events = await collect(
      openaiResponsesSource(client(), { ...params, max_output_tokens: 16 }),
    );
    expect(events.slice(-2)).toEqual([
      { type: 'usage', inputTokens: 5, outputTokens: 16, reasoningTokens: 0 },
      { type: 'finish', reason: 'max_output_tokens' },
    ]);
  });

  it('throws an `error` event as a ProviderError with its code', async () => {
    server.enqueue({
      chunks: ['a', 'b'],
      streamError: {
        afterChunks: 1,
        kind: 'server_error',
        responsesEvent: 'error',
        message: 'boom',
      },
    });
    await expect(collect(openaiResponsesSource(client(), params))).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'server_error',
      providerCode: 'server_error',
      retryable: true,
      message: 'boom',
    });
  });

  it('throws response.failed as a ProviderError with the response error code', async () => {
    server.enqueue({ chunks: ['a'], streamError: { afterChunks: 0, kind: 'rate_limited' } });
    await expect(collect(openaiResponsesSource(client(), params))).rejects.toMatchObject({
      code: 'rate_limited',
      providerCode: 'rate_limit_exceeded',
      retryable: true,
    });
  });

  it('takes maxTokens from max_output_tokens and counts instructions and input', () => {
    const source = openaiResponsesSource(client(), { ...params, max_output_tokens: 128 });
    expect(source.maxTokens).toBe(128);
    // Instructions and a string input (one message) weigh 4.5 tokens, plus 3 + 3.
    expect(source.promptTokens).toBe(5 + 3 + 3);
    const items = openaiResponsesSource(client(), {
      model: 'gpt-4.1-mini',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'abc' }] }],
    });
    expect(items.promptTokens).toBe(1 + 3 + 3);
  });

  it('checks its arguments', () => {
    expect(() => openaiResponsesSource({} as unknown as OpenAI, params)).toThrow(
      new TypeError('openaiResponsesSource: client.responses.create must be a function'),
    );
    expect(() => openaiResponsesSource(client(), { input: 'no model' })).toThrow(
      new TypeError('openaiResponsesSource: params.model must be a non-empty string'),
    );
  });
});
