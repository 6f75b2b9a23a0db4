import { describe, expect, it } from 'vitest';
import { apiError, type ScriptStep, scriptedSource } from './__fixtures__/scripted-source.js';
import { createManagedStream } from './managed-stream.js';
import { serializeSseEvent } from './sse-writer.js';
import { toWireEvent } from './wire-event.js';

// In process, events are camelCase; on the wire they keep the snake_case JSON clients read.
// These are the exact bytes of the default serializer: a changed name or order fails here.
async function sse(steps: readonly ScriptStep[], stop?: 'cancel-after-chunk'): Promise<string[]> {
  const stream = createManagedStream(scriptedSource(steps, { maxTokens: 10, promptTokens: 3 }), {
    id: 's1',
    clock: () => 1000,
    buffer: false,
    retry: false,
  });
  const frames: string[] = [];
  await stream.consume((event) => {
    frames.push(serializeSseEvent(event));
    // The WebSocket writer sends the same JSON as the SSE data line.
    expect(`event: ${event.type}\ndata: ${JSON.stringify(toWireEvent(event))}\n\n`).toBe(
      frames.at(-1),
    );
    if (stop === 'cancel-after-chunk' && event.type === 'chunk') stream.cancel('bye');
  });
  return frames;
}

const start =
  'event: start\ndata: {"type":"start","stream_id":"s1","model":"script-1","provider":"script","timestamp":1000}\n\n';

describe('the wire form of stream events', () => {
  it('keeps the snake_case fields of every part, chunk and complete event, in order', async () => {
    const frames = await sse([
      { type: 'reasoning', text: 'think' },
      { type: 'reasoning-end', signature: 'sig' },
      { type: 'redacted-reasoning', data: 'xx' },
      { type: 'tool-call-start', index: 0, id: 'c1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'refusal', text: 'no' },
      { type: 'text', text: 'Hello' },
      { type: 'usage', inputTokens: 4, outputTokens: 9, reasoningTokens: 2 },
      { type: 'finish', reason: 'end_turn' },
    ]);
    expect(frames).toEqual([
      start,
      'event: reasoning\ndata: {"type":"reasoning","stream_id":"s1","model":"script-1","provider":"script","content":"think"}\n\n',
      'event: reasoning_end\ndata: {"type":"reasoning_end","stream_id":"s1","model":"script-1","provider":"script","content":"think","signature":"sig"}\n\n',
      'event: redacted_reasoning\ndata: {"type":"redacted_reasoning","stream_id":"s1","model":"script-1","provider":"script","data":"xx"}\n\n',
      'event: tool_call_start\ndata: {"type":"tool_call_start","stream_id":"s1","model":"script-1","provider":"script","tool_call_index":0,"tool_call_id":"c1","tool_name":"f"}\n\n',
      'event: tool_call_delta\ndata: {"type":"tool_call_delta","stream_id":"s1","model":"script-1","provider":"script","tool_call_index":0,"tool_call_id":"c1","arguments_delta":"{\\"a\\":1}"}\n\n',
      'event: tool_call\ndata: {"type":"tool_call","stream_id":"s1","model":"script-1","provider":"script","tool_call_index":0,"tool_call_id":"c1","tool_name":"f","arguments":"{\\"a\\":1}","input":{"a":1},"parse_error":null,"signature":null}\n\n',
      'event: refusal\ndata: {"type":"refusal","stream_id":"s1","model":"script-1","provider":"script","content":"no"}\n\n',
      'event: chunk\ndata: {"type":"chunk","stream_id":"s1","model":"script-1","provider":"script","chunk_number":1,"content":"Hello","tokens_in_chunk":5,"total_tokens":5,"elapsed_seconds":0,"progress_percent":50,"timestamp":1000}\n\n',
      'event: complete\ndata: {"type":"complete","stream_id":"s1","model":"script-1","provider":"script","total_tokens":9,"usage":{"input_tokens":4,"output_tokens":9,"reasoning_tokens":2,"estimated":false},"ttft_ms":0,"duration_ms":0,"tokens_per_second":null,"finish_reason":"tool_calls","provider_finish_reason":"end_turn"}\n\n',
    ]);
  });

  it('keeps status and retry_after_ms on an error, and leaves the error object out', async () => {
    const frames = await sse([
      { type: 'text', text: 'abc' },
      { fail: apiError(503, { 'retry-after': '2' }) },
    ]);
    expect(frames.at(-1)).toBe(
      'event: error\ndata: {"type":"error","stream_id":"s1","model":"script-1","provider":"script","code":"STREAM_INTERRUPTED","message":"The upstream failed after the first token: HTTP 503","retryable":true,"status":503,"retry_after_ms":2000,"usage":{"input_tokens":3,"output_tokens":1,"estimated":true}}\n\n',
    );
  });

  it('keeps the usage of a cancelled stream', async () => {
    const frames = await sse(
      [{ type: 'text', text: 'abc' }, { wait: 60_000 }],
      'cancel-after-chunk',
    );
    expect(frames).toEqual([
      start,
      'event: chunk\ndata: {"type":"chunk","stream_id":"s1","model":"script-1","provider":"script","chunk_number":1,"content":"abc","tokens_in_chunk":1,"total_tokens":1,"elapsed_seconds":0,"progress_percent":10,"timestamp":1000}\n\n',
      'event: cancelled\ndata: {"type":"cancelled","stream_id":"s1","model":"script-1","provider":"script","reason":"bye","usage":{"input_tokens":3,"output_tokens":1,"estimated":true}}\n\n',
    ]);
  });
});
