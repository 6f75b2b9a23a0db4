import { APICallError, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { ManagedStream } from '../managed-stream.js';
import type { StreamEvent } from '../stream-event.js';
import { createStreamManager } from '../stream-manager.js';
import { aiSdkSource } from './ai-sdk-source.js';
import { breakwaterMiddleware } from './breakwater-middleware.js';

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const usage = (input: number, output: number, reasoning?: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: undefined, reasoning },
});

/** A model speaking the AI SDK spec that streams `parts` (a finish is appended). */
function streamingModel(
  modelId: string,
  parts: LanguageModelV3StreamPart[],
  finish: LanguageModelV3StreamPart = {
    type: 'finish',
    usage: usage(12, 5),
    finishReason: { unified: 'stop', raw: 'stop' },
  },
) {
  return new MockLanguageModelV3({
    provider: 'mock-provider',
    modelId,
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [{ type: 'stream-start', warnings: [] }, ...parts, finish],
      }),
    }),
  });
}

const text = (value: string): LanguageModelV3StreamPart[] => [
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: value },
  { type: 'text-end', id: 't' },
];

const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi' }] }];

function failing(modelId: string, statusCode: number, calls: { count: number }) {
  return new MockLanguageModelV3({
    provider: 'mock-provider',
    modelId,
    doStream: async () => {
      calls.count++;
      throw new APICallError({
        message: `HTTP ${statusCode}`,
        url: 'http://mock',
        requestBodyValues: {},
        statusCode,
        isRetryable: statusCode >= 500,
      });
    },
  });
}

/** Streams 'Hi' through `model` without retries, keeping what the AI SDK reports to `onError`. */
function streamCollectingErrors(model: Parameters<typeof streamText>[0]['model']) {
  const errors: unknown[] = [];
  const result = streamText({
    model,
    prompt: 'Hi',
    maxRetries: 0,
    onError: ({ error }) => {
      errors.push(error);
    },
  });
  return { result, errors };
}

describe('aiSdkSource', () => {
  it('maps an AI SDK stream to typed parts: reasoning, tool input deltas, the call, usage and finish', async () => {
    const model = streamingModel(
      'thinker',
      [
        { type: 'reasoning-start', id: 'r' },
        { type: 'reasoning-delta', id: 'r', delta: 'Think.' },
        { type: 'reasoning-end', id: 'r', providerMetadata: { anthropic: { signature: 'sig' } } },
        { type: 'tool-input-start', id: 'call_1', toolName: 'weather' },
        { type: 'tool-input-delta', id: 'call_1', delta: '{"city":' },
        { type: 'tool-input-delta', id: 'call_1', delta: '"Oslo"}' },
        { type: 'tool-input-end', id: 'call_1' },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Oslo"}' },
      ],
      {
        type: 'finish',
        usage: usage(20, 40, 25),
        finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      },
    );
    const events = await collect(
      createStreamManager({ buffer: false }).stream(aiSdkSource(model, { prompt })),
    );
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'reasoning',
      'reasoning_end',
      'tool_call_start',
      'tool_call_delta',
      'tool_call_delta',
      'tool_call',
      'complete',
    ]);
    expect(events[2]).toMatchObject({ content: 'Think.', signature: 'sig' });
    expect(events[6]).toMatchObject({ toolCallId: 'call_1', input: { city: 'Oslo' } });
    expect(events.at(-1)).toMatchObject({
      provider: 'mock-provider',
      model: 'thinker',
      finishReason: 'tool_calls',
      providerFinishReason: 'tool_use',
      usage: { inputTokens: 20, outputTokens: 40, reasoningTokens: 25, estimated: false },
    });
  });

  it('reads an APICallError as a provider error: status, Retry-After, isRetryable', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => {
        throw new APICallError({
          message: 'slow down',
          url: 'http://mock',
          requestBodyValues: {},
          statusCode: 429,
          responseHeaders: { 'retry-after': '7' },
          isRetryable: true,
        });
      },
    });
    const end = (
      await collect(createStreamManager({ retry: false }).stream(aiSdkSource(model, { prompt })))
    ).at(-1);
    expect(end).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterMs: 7_000,
    });
  });
});

describe('breakwaterMiddleware with wrapLanguageModel', () => {
  it('fails over to a fallback after the primary’s retries, and the manager sees every attempt', async () => {
    const calls = { count: 0 };
    const manager = createStreamManager();
    const seen: string[] = [];
    manager.on('attempt_failed', (event) =>
      seen.push(`${event.model}#${event.attempt}:${event.next}`),
    );
    manager.on('complete', (event) => seen.push(`complete:${event.model}`));
    const model = wrapLanguageModel({
      model: failing('primary', 503, calls),
      middleware: breakwaterMiddleware({
        manager,
        retry: { maxRetries: 1, baseDelayMs: 0 },
        fallbacks: [streamingModel('backup', text('Hello from the backup'))],
      }),
    });
    const result = streamText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(await result.text).toBe('Hello from the backup');
    expect((await result.usage).inputTokens).toBe(12);
    expect(calls.count).toBe(2);
    expect(seen).toEqual(['primary#1:retry', 'primary#2:failover', 'complete:backup']);
    expect(manager.size).toBe(0);
  });

  it('fails over from a model that never sends its first token, within firstTokenTimeoutMs', async () => {
    const hanging = new MockLanguageModelV3({
      modelId: 'hangs',
      doStream: async ({ abortSignal }) => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason));
          },
        }),
      }),
    });
    const manager = createStreamManager();
    const codes: string[] = [];
    manager.on('attempt_failed', (event) => codes.push(event.code));
    const model = wrapLanguageModel({
      model: hanging,
      middleware: breakwaterMiddleware({
        manager,
        firstTokenTimeoutMs: 200,
        fallbacks: [streamingModel('backup', text('on time'))],
      }),
    });
    const result = streamText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(await result.text).toBe('on time');
    expect(codes).toEqual(['FIRST_TOKEN_TIMEOUT']);
    expect((await result.response).modelId).toBe('backup');
  });

  it('rejects a refused request without failing over, as the AI SDK would see it', async () => {
    const calls = { count: 0 };
    const fallback = streamingModel('backup', text('never'));
    const model = wrapLanguageModel({
      model: failing('primary', 400, calls),
      middleware: breakwaterMiddleware({ fallbacks: [fallback] }),
    });
    const { result, errors } = streamCollectingErrors(model);
    await result.consumeStream();
    expect(errors).toMatchObject([{ name: 'StreamError', code: 'INVALID_REQUEST' }]);
    expect(calls.count).toBe(1);
    expect(fallback.doStreamCalls).toHaveLength(0);
  });

  it('carries tool calls and reasoning through streamText and generateText', async () => {
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'reasoning-start', id: 'r' },
      { type: 'reasoning-delta', id: 'r', delta: 'Need the weather.' },
      { type: 'reasoning-end', id: 'r' },
      { type: 'tool-input-start', id: 'call_9', toolName: 'weather' },
      { type: 'tool-input-delta', id: 'call_9', delta: '{"city":"Rome"}' },
      { type: 'tool-input-end', id: 'call_9' },
      { type: 'tool-call', toolCallId: 'call_9', toolName: 'weather', input: '{"city":"Rome"}' },
    ];
    const finish: LanguageModelV3StreamPart = {
      type: 'finish',
      usage: usage(9, 30, 12),
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
    };
    const wrap = () =>
      wrapLanguageModel({
        model: streamingModel('tools', parts, finish),
        middleware: breakwaterMiddleware(),
      });
    const streamed = streamText({ model: wrap(), prompt: 'Weather in Rome?', maxRetries: 0 });
    expect(await streamed.toolCalls).toMatchObject([
      { toolCallId: 'call_9', toolName: 'weather', input: { city: 'Rome' } },
    ]);
    expect(await streamed.reasoningText).toBe('Need the weather.');
    expect(await streamed.finishReason).toBe('tool-calls');
    const generated = await generateText({
      model: wrap(),
      prompt: 'Weather in Rome?',
      maxRetries: 0,
    });
    expect(generated.toolCalls).toMatchObject([{ toolCallId: 'call_9', input: { city: 'Rome' } }]);
    expect(generated.reasoningText).toBe('Need the weather.');
    expect(generated.usage).toMatchObject({
      inputTokens: 9,
      outputTokens: 30,
      reasoningTokens: 12,
    });
  });

  it('ends the AI SDK stream with an error part when the model stalls after its first text', async () => {
    const stalling = new MockLanguageModelV3({
      modelId: 'stalls',
      doStream: async ({ abortSignal }) => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'text-start', id: 't' });
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'Half an ans' });
            abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason));
          },
        }),
      }),
    });
    const manager = createStreamManager();
    const failed: string[] = [];
    manager.on('attempt_failed', (event) => failed.push(`${event.code}:${event.next}`));
    const model = wrapLanguageModel({
      model: stalling,
      middleware: breakwaterMiddleware({ manager, idleTimeoutMs: 100 }),
    });
    const { result, errors } = streamCollectingErrors(model);
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Half an ans');
    expect(errors).toMatchObject([{ name: 'StreamError', code: 'IDLE_TIMEOUT' }]);
    expect(failed).toEqual(['IDLE_TIMEOUT:none']);
    expect(manager.size).toBe(0);
  });

  it('cancels the managed stream when the AI SDK call is aborted', async () => {
    const manager = createStreamManager();
    const cancelled: string[] = [];
    manager.on('cancelled', (event) => cancelled.push(event.reason));
    const slow = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            { type: 'text-start', id: 't' },
            ...Array.from({ length: 50 }, () => ({
              type: 'text-delta' as const,
              id: 't',
              delta: 'x',
            })),
          ],
          chunkDelayInMs: 20,
        }),
      }),
    });
    const controller = new AbortController();
    const model = wrapLanguageModel({ model: slow, middleware: breakwaterMiddleware({ manager }) });
    const result = streamText({
      model,
      prompt: 'Hi',
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    for await (const _delta of result.textStream) {
      controller.abort();
    }
    expect(cancelled).toEqual(['aborted']);
    expect(manager.size).toBe(0);
  });
});
