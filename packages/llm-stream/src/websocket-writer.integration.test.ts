import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { countingSource, httpTextSource, startHttpUpstream } from './__fixtures__/http-upstream.js';
import { nextEnd, stalled } from './__fixtures__/waits.js';
import type { ManagedStream } from './managed-stream.js';
import type { StreamEndEvent } from './stream-event.js';
import { createStreamManager } from './stream-manager.js';
import { pipeWebSocket, type WebSocketWriterOptions } from './websocket-writer.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A ws server that pipes one managed stream to each connection. */
async function wsServer(
  makeStream: () => ManagedStream,
  options?: WebSocketWriterOptions,
): Promise<{ url: string; sockets: WebSocket[]; piped: Promise<StreamEndEvent>[] }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const sockets: WebSocket[] = [];
  const piped: Promise<StreamEndEvent>[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    piped.push(pipeWebSocket(makeStream(), socket, options));
  });
  cleanup.push(async () => {
    for (const client of server.clients) client.terminate();
    server.close();
    await once(server, 'close');
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets, piped };
}

async function connect(url: string, options?: ConstructorParameters<typeof WebSocket>[2]) {
  const client = new WebSocket(url, options);
  cleanup.push(() => client.terminate());
  const messages: Array<Record<string, unknown>> = [];
  client.on('message', (data) => messages.push(JSON.parse(String(data))));
  await once(client, 'open');
  return { client, messages };
}

/** Waits (up to 10 s) until `condition()` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 10_000; waited += 5) await sleep(5);
  expect(condition()).toBe(true);
}

describe('pipeWebSocket over a real ws connection', () => {
  it('sends one JSON message per event and leaves the socket open for the next stream', async () => {
    const up = await startHttpUpstream({ pieces: 8 });
    cleanup.push(() => up.close());
    const manager = createStreamManager({ buffer: { tokens: 4, maxDelayMs: 20 } });
    const server = await wsServer(() => manager.stream(httpTextSource(up.url, { maxTokens: 16 })));
    const { client, messages } = await connect(server.url);
    const end = await server.piped[0]!;
    expect(end.type).toBe('complete');
    // The server handed the last frame to the socket; the client receives it a moment later.
    await until(() => messages.at(-1)?.type === 'complete');
    expect(messages[0]).toMatchObject({ type: 'start', provider: 'http' });
    expect(messages.at(-1)).toMatchObject({ type: 'complete', finish_reason: 'stop' });
    const chunks = messages.filter((message) => message.type === 'chunk');
    expect(chunks.map((chunk) => chunk.total_tokens).at(-1)).toBe(8);
    expect(chunks.at(-1)).toMatchObject({ progress_percent: 50 });
    expect(client.readyState).toBe(WebSocket.OPEN);
  });

  it('aborts the upstream request in the same event-loop turn as the socket close', async () => {
    const up = await startHttpUpstream({ pieces: 10_000, intervalMs: 10 });
    cleanup.push(() => up.close());
    const manager = createStreamManager({ buffer: false });
    let source: ReturnType<typeof httpTextSource> | undefined;
    let stream: ManagedStream | undefined;
    const sameTurn: boolean[] = [];
    const server = await wsServer(() => {
      source = httpTextSource(up.url);
      stream = manager.stream(source);
      return stream;
    });
    const ended = nextEnd(manager);
    const { client, messages } = await connect(server.url);
    const serverSocket = server.sockets[0]!;
    // Registered after the writer's listener, so it runs in the same emit of 'close'.
    serverSocket.on('close', () => sameTurn.push(stream!.ended, source!.signals[0]!.aborted));
    while (messages.filter((message) => message.type === 'chunk').length < 3) await sleep(5);
    const closed = once(serverSocket, 'close');
    client.close();
    await closed;
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(await up.responses[0]!.closedEarly).toBe(true);
    expect(sameTurn).toEqual([true, true]);
    expect(manager.size).toBe(0);
  });

  it('stops pulling from the upstream while bufferedAmount is above the high-water mark', async () => {
    const source = countingSource(16 * 1024);
    const manager = createStreamManager({ buffer: false });
    const highWaterMark = 256 * 1024;
    const server = await wsServer(() => manager.stream(source), { highWaterMark });
    const client = new WebSocket(server.url);
    cleanup.push(() => client.terminate());
    await once(client, 'open');
    // The client stops reading from its socket: the kernel buffers fill, then ws buffers.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const stalledAt = await stalled(() => source.pulls);
    const socket = server.sockets[0]!;
    await sleep(300);
    expect(source.pulls).toBe(stalledAt);
    // Memory on the server stays bounded: at most one message above the mark.
    expect(socket.bufferedAmount).toBeLessThanOrEqual(highWaterMark + 32 * 1024);
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    for (let waited = 0; source.pulls === stalledAt && waited < 5000; waited += 20) await sleep(20);
    expect(source.pulls).toBeGreaterThan(stalledAt);
    const ended = nextEnd(manager);
    client.terminate();
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
  });

  it('pings the client, and treats a client that stops answering as gone', async () => {
    const up = await startHttpUpstream({ pieces: 10_000, intervalMs: 20 });
    cleanup.push(() => up.close());
    const manager = createStreamManager({ buffer: false });
    const server = await wsServer(() => manager.stream(httpTextSource(up.url)), {
      heartbeatMs: 40,
    });
    const healthy = await connect(server.url);
    let pings = 0;
    healthy.client.on('ping', () => pings++);
    for (let waited = 0; pings < 2 && waited < 5000; waited += 20) await sleep(20);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(server.sockets[0]!.readyState).toBe(WebSocket.OPEN);

    const ended = nextEnd(manager);
    const silent = await connect(server.url, { autoPong: false });
    expect(silent.client.readyState).toBe(WebSocket.OPEN);
    const end = await ended;
    expect(end).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(await up.responses[1]!.closedEarly).toBe(true);
  });

  it('closes the socket after the end with closeOnEnd', async () => {
    const up = await startHttpUpstream({ pieces: 3 });
    cleanup.push(() => up.close());
    const server = await wsServer(() => createStreamManager().stream(httpTextSource(up.url)), {
      closeOnEnd: true,
    });
    const { client, messages } = await connect(server.url);
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1000);
    expect(messages.at(-1)?.type).toBe('complete');
  });
});
