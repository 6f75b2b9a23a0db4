import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { readSse } from './__fixtures__/http-upstream.js';
import { scriptedSource } from './__fixtures__/scripted-source.js';
import type { ProviderEvent } from './provider-event.js';
import { toSseResponse } from './sse-writer.js';
import { createStreamManager } from './stream-manager.js';
import { pipeWebSocket } from './websocket-writer.js';

// The writers carry the typed parts as messages of their own types; text stays `chunk`.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const steps: ProviderEvent[] = [
  { type: 'reasoning', text: 'Thinking' },
  { type: 'reasoning-end', signature: 'sig' },
  { type: 'text', text: 'Calling a tool.' },
  { type: 'tool-call-start', index: 0, id: 'call_1', name: 'weather' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"Oslo"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'finish', reason: 'tool_calls' },
];
const expectedTypes = [
  'start',
  'reasoning',
  'reasoning_end',
  'chunk',
  'tool_call_start',
  'tool_call_delta',
  'tool_call_delta',
  'tool_call',
  'complete',
];

describe('writers carry typed parts', () => {
  it('SSE: one event per part, under its own type, text unchanged as chunk', async () => {
    const stream = createStreamManager({ buffer: false }).stream(scriptedSource(steps));
    const { events } = await readSse(toSseResponse(stream).body!);
    expect(events.map((event) => event.event)).toEqual(expectedTypes);
    expect(events[3]!.data).toMatchObject({
      type: 'chunk',
      content: 'Calling a tool.',
      chunk_number: 1,
    });
    expect(events[2]!.data).toMatchObject({ content: 'Thinking', signature: 'sig' });
    expect(events[7]!.data).toMatchObject({
      tool_call_id: 'call_1',
      tool_name: 'weather',
      arguments: '{"city":"Oslo"}',
      input: { city: 'Oslo' },
    });
    expect(events.at(-1)!.data).toMatchObject({ finish_reason: 'tool_calls' });
  });

  it('WebSocket: one JSON message per part over a real connection', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    cleanup.push(async () => {
      for (const client of server.clients) client.terminate();
      server.close();
      await once(server, 'close');
    });
    const manager = createStreamManager({ buffer: false });
    server.on('connection', (socket) => {
      void pipeWebSocket(manager.stream(scriptedSource(steps)), socket);
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanup.push(() => client.terminate());
    const messages: Array<Record<string, unknown>> = [];
    client.on('message', (data) => messages.push(JSON.parse(String(data))));
    for (let waited = 0; messages.at(-1)?.type !== 'complete' && waited < 10_000; waited += 5) {
      await sleep(5);
    }
    expect(messages.map((message) => message.type)).toEqual(expectedTypes);
    expect(messages[5]).toMatchObject({ tool_call_index: 0, arguments_delta: '{"city":' });
  });
});
