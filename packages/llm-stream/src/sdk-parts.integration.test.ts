import Anthropic from '@anthropic-ai/sdk';
import { createCircuitBreaker } from '@breakwater/circuit-breaker';
import { type FakeLlmPart, type FakeLlmScenario, useFakeLlmServer } from '@breakwater/testing';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  anthropicSource,
  geminiSource,
  openaiChatSource,
  openaiResponsesSource,
} from './adapters/index.js';
import type { ManagedStream } from './managed-stream.js';
import type { ProviderStreamSource } from './provider-event.js';
import type { StreamAttemptFailedEvent, StreamEvent } from './stream-event.js';
import { createStreamManager } from './stream-manager.js';

// Typed parts and time limits through the real official SDKs, against the local wire-format server.
const server = useFakeLlmServer();

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const weatherArguments = '{"city":"Paris","unit":"celsius","days":[1,2,3]}';
const timeArguments = '{"zone":"Europe/Paris"}';

/** Reasoning with a signature, then two parallel calls, the first split into 12 fragments. */
const toolTurn: FakeLlmPart[] = [
  { type: 'reasoning', text: ['The user wants ', 'the weather.'], signature: 'sig-123' },
  { type: 'tool-call', id: 'call_w', name: 'weather', arguments: weatherArguments, fragments: 12 },
  { type: 'tool-call', id: 'call_t', name: 'time', arguments: timeArguments, fragments: 3 },
];
const toolScenario: FakeLlmScenario = {
  parts: toolTurn,
  finishReason: 'tool_calls',
  usage: { inputTokens: 40, outputTokens: 90, reasoningTokens: 30 },
};

const adapters: Record<string, () => ProviderStreamSource> = {
  'OpenAI Chat Completions': () =>
    openaiChatSource(new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 }), {
      model: 'deepseek-reasoner',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    }),
  'OpenAI Responses': () =>
    openaiResponsesSource(
      new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 }),
      { model: 'o4-mini', input: 'Weather in Paris?' },
    ),
  'Anthropic Messages': () =>
    anthropicSource(
      new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseURL, maxRetries: 0 }),
      {
        model: 'claude-sonnet-5',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      },
    ),
  Gemini: () =>
    geminiSource(new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.geminiBaseUrl } }), {
      model: 'gemini-2.5-pro',
      contents: 'Weather in Paris?',
    }),
};

describe.each(Object.entries(adapters))('%s through the official SDK', (name, source) => {
  it('streams reasoning and parallel tool calls split into many fragments, then tool_calls', async () => {
    server.enqueue(toolScenario);
    const events = await collect(createStreamManager({ buffer: false }).stream(source()));
    const reasoning = events
      .filter((event) => event.type === 'reasoning')
      .map((event) => event.content)
      .join('');
    expect(reasoning).toBe('The user wants the weather.');
    const reasoningEnd = events.find((event) => event.type === 'reasoning_end');
    expect(reasoningEnd).toMatchObject({ content: 'The user wants the weather.' });
    // Anthropic and Gemini sign their thinking; OpenAI-compatible servers do not.
    const signed = name === 'Anthropic Messages' || name === 'Gemini';
    expect(reasoningEnd).toMatchObject({ signature: signed ? 'sig-123' : null });
    const calls = events.filter((event) => event.type === 'tool_call');
    expect(calls).toMatchObject([
      {
        toolCallIndex: 0,
        toolCallId: 'call_w',
        toolName: 'weather',
        arguments: weatherArguments,
        input: JSON.parse(weatherArguments),
        parseError: null,
      },
      {
        toolCallIndex: 1,
        toolCallId: 'call_t',
        toolName: 'time',
        input: { zone: 'Europe/Paris' },
      },
    ]);
    const starts = events.filter((event) => event.type === 'tool_call_start');
    expect(starts.map((event) => [event.toolCallIndex, event.toolCallId])).toEqual([
      [0, 'call_w'],
      [1, 'call_t'],
    ]);
    const deltas = events.filter(
      (event) => event.type === 'tool_call_delta' && event.toolCallIndex === 0,
    );
    // Gemini sends a call whole; the others stream the 12 fragments as they came.
    expect(deltas).toHaveLength(name === 'Gemini' ? 1 : 12);
    expect(
      deltas
        .map((event) => (event.type === 'tool_call_delta' ? event.argumentsDelta : ''))
        .join(''),
    ).toBe(name === 'Gemini' ? JSON.stringify(JSON.parse(weatherArguments)) : weatherArguments);
    const end = events.at(-1);
    expect(end).toMatchObject({
      type: 'complete',
      finishReason: 'tool_calls',
      usage: { inputTokens: 40, outputTokens: 90, reasoningTokens: 30, estimated: false },
    });
  });
});

describe('parts only some providers have', () => {
  it('OpenAI Chat: a refusal streams as refusal parts and ends with content_filter', async () => {
    server.enqueue({
      parts: [
        { type: 'refusal', text: "I'm sorry, " },
        { type: 'refusal', text: "I can't help with that." },
      ],
      finishReason: 'content_filter',
    });
    const events = await collect(
      createStreamManager({ buffer: false }).stream(adapters['OpenAI Chat Completions']!()),
    );
    expect(
      events.filter((event) => event.type === 'refusal').map((event) => event.content),
    ).toEqual(["I'm sorry, ", "I can't help with that."]);
    expect(events.at(-1)).toMatchObject({ finishReason: 'content_filter' });
  });

  it('Anthropic: redacted thinking passes through unchanged, then text', async () => {
    server.enqueue({
      parts: [
        { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
        { type: 'text', text: 'Done.' },
      ],
    });
    const events = await collect(
      createStreamManager({ buffer: false }).stream(adapters['Anthropic Messages']!()),
    );
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'redacted_reasoning',
      'chunk',
      'complete',
    ]);
    expect(events[1]).toMatchObject({ data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' });
  });

  it('Gemini: a thoughtSignature on a function call travels with the call', async () => {
    server.enqueue({
      parts: [{ type: 'tool-call', name: 'lookup', arguments: '{"q":"x"}', signature: 'gem-sig' }],
      finishReason: 'tool_calls',
    });
    const events = await collect(createStreamManager({ buffer: false }).stream(adapters.Gemini!()));
    expect(events.find((event) => event.type === 'tool_call')).toMatchObject({
      toolName: 'lookup',
      input: { q: 'x' },
      signature: 'gem-sig',
    });
    expect(events.at(-1)).toMatchObject({
      finishReason: 'tool_calls',
      providerFinishReason: 'STOP',
    });
  });
});

describe('time limits through the official SDKs', () => {
  it('fails over from a provider that hangs before its first token, within firstTokenTimeoutMs', async () => {
    // The first request gets its headers, then nothing; the second answers.
    server.enqueue({ hangAfterChunks: 0 }, { chunks: ['From', ' the', ' backup'] });
    const manager = createStreamManager({ buffer: false, firstTokenTimeoutMs: 300 });
    const failed: StreamAttemptFailedEvent[] = [];
    manager.on('attempt_failed', (event) => failed.push(event));
    const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };
    const started = Date.now();
    const events = await collect(
      manager.stream([
        openaiChatSource(openai, { ...request, model: 'hangs' }),
        openaiChatSource(openai, { ...request, model: 'backup' }),
      ]),
    );
    expect(events.at(-1)).toMatchObject({ type: 'complete', model: 'backup' });
    expect(events.filter((event) => event.type === 'chunk').map((event) => event.content)).toEqual([
      'From',
      ' the',
      ' backup',
    ]);
    expect(failed).toMatchObject([
      { model: 'hangs', code: 'FIRST_TOKEN_TIMEOUT', next: 'failover' },
    ]);
    // The hung request was closed, not left open.
    await expect(server.requests[0]!.finished).resolves.toBe('client-closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('ends with IDLE_TIMEOUT and the usage so far when Anthropic stalls mid-stream', async () => {
    server.enqueue({
      chunks: ['one', ' two', ' three', ' four'],
      hangAfterChunks: 2,
      usage: { inputTokens: 25, outputTokens: 4 },
    });
    const manager = createStreamManager({ buffer: false, idleTimeoutMs: 300 });
    const end = (await collect(manager.stream(adapters['Anthropic Messages']!()))).at(-1);
    expect(end).toMatchObject({
      type: 'error',
      code: 'IDLE_TIMEOUT',
      // The prompt as message_start reported it; the output is estimated from the text received.
      usage: { inputTokens: 25, estimated: true },
    });
    await expect(server.requests[0]!.finished).resolves.toBe('client-closed');
  });

  it('counts input tokens from the request when OpenAI is cancelled before its usage chunk', async () => {
    server.enqueue({ chunks: Array.from({ length: 200 }, () => ' word'), chunkDelayMs: 5 });
    const stream = createStreamManager({ buffer: false }).stream(
      openaiChatSource(new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 }), {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'Write a long essay about harbours.' },
        ],
      }),
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    stream.cancel('test');
    // 28 + 34 characters weigh 15.5 tokens, plus 3 per message and 3 before the reply.
    await expect(stream.done).resolves.toMatchObject({
      type: 'cancelled',
      usage: { inputTokens: 16 + 2 * 3 + 3, estimated: true },
    });
  });
});

describe('the retry, breaker and failover rule through the official SDKs', () => {
  const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };
  const client = () => new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 });

  it('waits out a 429 Retry-After on the same model although the 429 opened its breaker', async () => {
    server.enqueue({ httpError: { status: 429, retryAfterSeconds: 1 } }, { chunks: ['again'] });
    const breaker = createCircuitBreaker({ name: 'primary' });
    const manager = createStreamManager({ buffer: false, random: () => 0 });
    const steps: string[] = [];
    manager.on('attempt_failed', (event) =>
      steps.push(`${event.model}:${event.code}:${event.status}:${event.next}`),
    );
    const openai = client();
    const end = (
      await collect(
        manager.stream([
          { source: openaiChatSource(openai, { ...request, model: 'primary' }), guard: breaker },
          openaiChatSource(openai, { ...request, model: 'backup' }),
        ]),
      )
    ).at(-1);
    expect(end).toMatchObject({ type: 'complete', model: 'primary' });
    expect(steps).toEqual(['primary:RATE_LIMITED:429:retry']);
    expect(server.requests.map((received) => received.model)).toEqual(['primary', 'primary']);
  });

  it('neither retries nor fails over a 400: another model would refuse it too', async () => {
    server.enqueue({
      httpError: { status: 400, message: 'Invalid schema for function "weather"' },
    });
    const manager = createStreamManager({ buffer: false });
    const openai = client();
    const end = (
      await collect(
        manager.stream([
          openaiChatSource(openai, { ...request, model: 'primary' }),
          openaiChatSource(openai, { ...request, model: 'backup' }),
        ]),
      )
    ).at(-1);
    expect(end).toMatchObject({
      type: 'error',
      code: 'INVALID_REQUEST',
      status: 400,
      retryable: false,
      model: 'primary',
    });
    expect(server.requests).toHaveLength(1);
  });
});
