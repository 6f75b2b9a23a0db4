import { describe, expect, it } from 'vitest';
import { scriptedSource } from './__fixtures__/scripted-source.js';
import { createManagedStream, type ManagedStream } from './managed-stream.js';
import type { ProviderEvent } from './provider-event.js';
import type { StreamEvent } from './stream-event.js';

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const run = async (steps: ProviderEvent[], buffer = false as const) =>
  collect(createManagedStream(scriptedSource(steps), { buffer }));

describe('structured parts', () => {
  it('passes reasoning with its signature, then text, in the provider order', async () => {
    const events = await run([
      { type: 'reasoning', text: 'Let me ' },
      { type: 'reasoning', text: 'think.' },
      { type: 'reasoning-end', signature: 'sig-abc' },
      { type: 'redacted-reasoning', data: 'opaque==' },
      { type: 'text', text: 'Answer' },
      { type: 'finish', reason: 'end_turn' },
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'reasoning',
      'reasoning',
      'reasoning_end',
      'redacted_reasoning',
      'chunk',
      'complete',
    ]);
    expect(events[3]).toMatchObject({ content: 'Let me think.', signature: 'sig-abc' });
    expect(events[4]).toMatchObject({ data: 'opaque==' });
    expect(events.at(-1)).toMatchObject({
      finishReason: 'stop',
      providerFinishReason: 'end_turn',
    });
  });

  it('closes a reasoning block without a signature when other output starts', async () => {
    const events = await run([
      { type: 'reasoning', text: 'hmm' },
      { type: 'text', text: 'ok' },
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'reasoning',
      'reasoning_end',
      'chunk',
      'complete',
    ]);
    expect(events[2]).toMatchObject({ content: 'hmm', signature: null });
  });

  it('assembles parallel tool calls by index, parses their arguments, and says tool_calls', async () => {
    const events = await run([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'time' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"zone":"CET"}' },
      { type: 'tool-call-end', index: 1 },
      // Call 0 is never ended explicitly (OpenAI Chat has no end event): the finish completes it.
      { type: 'finish', reason: 'stop' },
    ]);
    const calls = events.filter((event) => event.type === 'tool_call');
    expect(calls).toMatchObject([
      { toolCallIndex: 1, toolCallId: 'call_b', toolName: 'time', input: { zone: 'CET' } },
      {
        toolCallIndex: 0,
        toolCallId: 'call_a',
        arguments: '{"city":"Paris"}',
        input: { city: 'Paris' },
        parseError: null,
        signature: null,
      },
    ]);
    const deltas = events.filter((event) => event.type === 'tool_call_delta');
    expect(deltas.map((delta) => [delta.toolCallId, delta.argumentsDelta])).toEqual([
      ['call_a', '{"city":'],
      ['call_a', '"Paris"}'],
      ['call_b', '{"zone":"CET"}'],
    ]);
    expect(events.at(-1)).toMatchObject({
      finishReason: 'tool_calls',
      providerFinishReason: 'stop',
    });
  });

  it('passes a call whose arguments are not JSON with a parse error, and a call without arguments as {}', async () => {
    const events = await run([
      { type: 'tool-call-start', index: 0, id: 'toolu_1', name: 'search' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q": "unterminated' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'toolu_2', name: 'now' },
      { type: 'tool-call-end', index: 1, signature: 'gem-sig' },
      { type: 'finish', reason: 'tool_use' },
    ]);
    const calls = events.filter((event) => event.type === 'tool_call');
    expect(calls[0]).toMatchObject({ input: undefined, arguments: '{"q": "unterminated' });
    expect(calls[0]!.type === 'tool_call' && calls[0]!.parseError).toMatch(
      /^the arguments of search \(toolu_1\) are not valid JSON: /,
    );
    expect(calls[1]).toMatchObject({
      arguments: '{}',
      input: {},
      parseError: null,
      signature: 'gem-sig',
    });
  });

  it('fails the attempt when a source breaks the part sequence', async () => {
    const events = await run([{ type: 'tool-call-delta', index: 3, argumentsDelta: '{}' }]);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'UPSTREAM_ERROR',
      message: 'tool-call-delta: call 3 was never started',
    });
  });

  it('passes refusals and normalizes the finish reason', async () => {
    const events = await run([
      { type: 'refusal', text: "I can't help" },
      { type: 'refusal', text: ' with that.' },
      { type: 'finish', reason: 'content_filter' },
    ]);
    expect(events.filter((event) => event.type === 'refusal')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({
      finishReason: 'content_filter',
      providerFinishReason: 'content_filter',
    });
  });

  it('counts reasoning and tool arguments as output, and the provider count replaces the estimate', async () => {
    const estimated = await run([
      { type: 'reasoning', text: 'a'.repeat(40) },
      { type: 'tool-call-start', index: 0, id: 'c', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: `{"x":"${'b'.repeat(34)}"}` },
      { type: 'text', text: 'c'.repeat(20) },
    ]);
    // 10 (reasoning) + 0.25 (name) + 10 (arguments) + 5 (text), rounded up.
    expect(estimated.at(-1)).toMatchObject({
      usage: { outputTokens: 26, reasoningTokens: 10, estimated: true },
    });
    const reported = await run([
      { type: 'reasoning', text: 'a'.repeat(40) },
      { type: 'text', text: 'c'.repeat(20) },
      { type: 'usage', inputTokens: 30, outputTokens: 61, reasoningTokens: 48 },
    ]);
    expect(reported.at(-1)).toMatchObject({
      usage: { inputTokens: 30, outputTokens: 61, reasoningTokens: 48, estimated: false },
    });
  });

  it('counts input tokens from the prompt the source counted when a stream is cancelled early', async () => {
    const source = { ...scriptedSource([{ type: 'text', text: 'Hi' }]), promptTokens: 11 };
    const stream = createManagedStream(source, { buffer: false });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    stream.cancel('test');
    await expect(stream.done).resolves.toMatchObject({
      type: 'cancelled',
      usage: { inputTokens: 11, outputTokens: 1, estimated: true },
    });
  });
});
