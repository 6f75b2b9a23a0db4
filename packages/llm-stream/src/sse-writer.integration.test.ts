import { once } from 'node:events';
import {
  createServer,
  get,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  countingSource,
  type HttpUpstream,
  httpTextSource,
  readSse,
  startHttpUpstream,
} from './__fixtures__/http-upstream.js';
import { nextEnd, stalled } from './__fixtures__/waits.js';
import { iterableSource } from './adapters/iterable-source.js';
import type { ManagedStream } from './managed-stream.js';
import { pipeSse, toSseResponse } from './sse-writer.js';
import type { StreamCancelledEvent } from './stream-event.js';
import { createStreamManager } from './stream-manager.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function upstream(
  scenario: Parameters<typeof startHttpUpstream>[0] = {},
): Promise<HttpUpstream> {
  const server = await startHttpUpstream(scenario);
  cleanup.push(() => server.close());
  return server;
}

/** A node:http server whose handler streams one managed stream per request. */
async function sseServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('pipeSse over node:http', () => {
  it('streams typed events with SSE headers and ends the response after complete', async () => {
    const up = await upstream({ pieces: 12 });
    const manager = createStreamManager({ buffer: { tokens: 5, maxDelayMs: 20 } });
    const url = await sseServer((_request, response) => {
      void pipeSse(manager.stream(httpTextSource(up.url)), response);
    });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const { events } = await readSse(response.body!);
    expect(events[0]).toMatchObject({ event: 'start', data: { type: 'start', provider: 'http' } });
    expect(events.at(-1)).toMatchObject({ event: 'complete', data: { finish_reason: 'stop' } });
    const text = events
      .filter((event) => event.event === 'chunk')
      .map((event) => (event.data as { content: string }).content)
      .join('');
    expect(text).toBe(
      Array.from({ length: 12 }, (_, index) => ` p${index}`.padEnd(4, 'x')).join(''),
    );
    expect(manager.size).toBe(0);
    expect(await up.responses[0]!.closedEarly).toBe(false);
  });

  it('aborts the upstream request in the same event-loop turn as the client disconnect', async () => {
    const up = await upstream({ pieces: 10_000, intervalMs: 10 });
    const manager = createStreamManager({ buffer: false });
    let stream: ManagedStream | undefined;
    let source: ReturnType<typeof httpTextSource> | undefined;
    const sameTurn: boolean[] = [];
    const url = await sseServer((_request, response) => {
      source = httpTextSource(up.url);
      stream = manager.stream(source);
      void pipeSse(stream, response);
      // Registered after the writer's listener, so it runs in the same emit of 'close'.
      response.on('close', () => {
        sameTurn.push(stream!.ended, source!.signals[0]!.aborted);
      });
    });
    const ended = nextEnd(manager);
    const client = new AbortController();
    const response = await fetch(url, { signal: client.signal });
    await readSse(
      response.body!,
      (events) => events.filter((e) => e.event === 'chunk').length >= 3,
    ).catch(() => undefined);
    client.abort();
    expect(await up.responses[0]!.closedEarly).toBe(true);
    expect(sameTurn).toEqual([true, true]);
    const end = (await ended) as StreamCancelledEvent;
    expect(end).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(end.usage.estimated).toBe(true);
    expect(end.usage.outputTokens).toBeGreaterThanOrEqual(3);
    expect(manager.size).toBe(0);
  });

  it('drains the upstream to the end on disconnect with onDisconnect: drain', async () => {
    const up = await upstream({ pieces: 30, intervalMs: 5 });
    const manager = createStreamManager({ buffer: false });
    const url = await sseServer((_request, response) => {
      void pipeSse(manager.stream(httpTextSource(up.url)), response, { onDisconnect: 'drain' });
    });
    const ended = nextEnd(manager);
    const client = new AbortController();
    const response = await fetch(url, { signal: client.signal });
    await readSse(response.body!, (events) => events.length >= 3).catch(() => undefined);
    client.abort();
    const end = await ended;
    expect(end.type).toBe('complete');
    expect(await up.responses[0]!.closedEarly).toBe(false);
    expect(up.responses[0]!.piecesSent).toBe(30);
  });

  it('coalesces the writes of one tick: headers with the first event, a burst of events in one write', async () => {
    const words = Array.from({ length: 20 }, (_, index) => ({
      type: 'text' as const,
      text: `word${index} `,
    }));
    const source = iterableSource(() => [...words, { type: 'finish' as const, reason: 'stop' }], {
      provider: 'test',
      model: 'burst',
    });
    let batches = 0;
    const url = await sseServer((_request, response) => {
      // Each call of a socket's _write or _writev is one system call's worth of bytes.
      const socket = response.socket!;
      const write = socket._write.bind(socket);
      const writev = socket._writev!.bind(socket);
      socket._write = (...args) => {
        batches++;
        write(...args);
      };
      socket._writev = (...args) => {
        batches++;
        writev(...args);
      };
      void pipeSse(createStreamManager().stream(source, { buffer: false }), response);
    });
    const { events } = await readSse((await fetch(url)).body!);
    expect(events.filter((event) => event.event === 'chunk')).toHaveLength(20);
    expect(events.at(-1)?.event).toBe('complete');
    // The headers and `start` leave together when the handler returns (no write of the headers
    // alone); the burst the source then yields (20 chunks, complete, the end of the body) in one.
    expect(batches).toBe(2);
  });

  it('sends heartbeat comments while the upstream is silent', async () => {
    const up = await upstream({ pieces: 2, firstPieceDelayMs: 500 });
    const url = await sseServer((_request, response) => {
      void pipeSse(createStreamManager().stream(httpTextSource(up.url)), response, {
        heartbeatMs: 40,
      });
    });
    const { events, comments } = await readSse((await fetch(url)).body!);
    expect(comments).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)?.event).toBe('complete');
  });

  it('stops pulling from the upstream while the client does not read (write() false, then drain)', async () => {
    const source = countingSource(64 * 1024);
    const manager = createStreamManager({ buffer: false });
    let stream: ManagedStream | undefined;
    const url = await sseServer((_request, response) => {
      stream = manager.stream(source);
      void pipeSse(stream, response);
    });
    const request = get(url);
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    response.pause();
    // Socket buffers absorb a few megabytes; after that, nothing more is pulled.
    const stalledAt = await stalled(() => source.pulls);
    await sleep(300);
    expect(source.pulls).toBe(stalledAt);
    expect(stalledAt * 64 * 1024).toBeLessThan(64 * 1024 * 1024);
    expect(stream!.ended).toBe(false);
    response.resume();
    for (let waited = 0; source.pulls === stalledAt && waited < 5000; waited += 20) await sleep(20);
    expect(source.pulls).toBeGreaterThan(stalledAt);
    const ended = nextEnd(manager);
    request.destroy();
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
  });

  it('works with an Express response', async () => {
    const up = await upstream({ pieces: 10_000, intervalMs: 10 });
    const manager = createStreamManager({ buffer: false });
    const app = express();
    app.get('/chat', (_request, response) => {
      void pipeSse(manager.stream(httpTextSource(up.url)), response);
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(async () => {
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
    const ended = nextEnd(manager);
    const client = new AbortController();
    const response = await fetch(url, { signal: client.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const { events } = await readSse(response.body!, (list) => list.length >= 3).catch(() => ({
      events: [],
    }));
    expect(events[0]).toMatchObject({ event: 'start' });
    client.abort();
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(await up.responses[0]!.closedEarly).toBe(true);
  });

  it('works with a Fastify reply', async () => {
    const up = await upstream({ pieces: 10_000, intervalMs: 10 });
    const manager = createStreamManager({ buffer: false });
    const app = Fastify();
    app.get('/chat', (_request, reply) => {
      void pipeSse(manager.stream(httpTextSource(up.url)), reply);
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    const ended = nextEnd(manager);
    const client = new AbortController();
    const response = await fetch(`${address}/chat`, { signal: client.signal });
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const { events } = await readSse(response.body!, (list) => list.length >= 3).catch(() => ({
      events: [],
    }));
    expect(events.map((event) => event.event).slice(0, 2)).toEqual(['start', 'chunk']);
    client.abort();
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(await up.responses[0]!.closedEarly).toBe(true);
  });
});

describe('toSseResponse (Web Response)', () => {
  it('streams the events as the body is read, then closes', async () => {
    const up = await upstream({ pieces: 5 });
    const response = toSseResponse(createStreamManager().stream(httpTextSource(up.url)));
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const { events } = await readSse(response.body!);
    const types = events.map((event) => event.event);
    expect(types[0]).toBe('start');
    expect(types.at(-1)).toBe('complete');
    // The first token at once, the other four gathered (how many chunks depends on the pace).
    const chunks = events.filter((event) => event.event === 'chunk');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect((chunks[0]!.data as { content: string }).content).toBe(' p0x');
    expect(chunks.map((event) => (event.data as { content: string }).content).join('')).toBe(
      ' p0x p1x p2x p3x p4x',
    );
  });

  it('cancelling the body cancels the stream and closes the upstream request', async () => {
    const up = await upstream({ pieces: 10_000, intervalMs: 10 });
    const manager = createStreamManager({ buffer: false });
    const stream = manager.stream(httpTextSource(up.url));
    const response = toSseResponse(stream);
    await readSse(response.body!, (events) => events.length >= 3);
    expect(await up.responses[0]!.closedEarly).toBe(true);
    await expect(stream.done).resolves.toMatchObject({
      type: 'cancelled',
      reason: 'client_disconnected',
    });
  });

  it('is pulled: nothing is read from the upstream until the body is', async () => {
    const source = countingSource(16);
    const stream = createStreamManager({ buffer: false }).stream(source);
    const response = toSseResponse(stream, { heartbeatMs: 0 });
    await sleep(50);
    expect(source.pulls).toBe(0);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await sleep(50);
    expect(source.pulls).toBeLessThanOrEqual(2);
    await reader.cancel();
    expect(stream.ended).toBe(true);
  });

  it('treats an aborted request signal as a disconnect', async () => {
    const up = await upstream({ pieces: 10_000, intervalMs: 10 });
    const request = new AbortController();
    const stream = createStreamManager().stream(httpTextSource(up.url));
    const response = toSseResponse(stream, { signal: request.signal });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    request.abort();
    await expect(stream.done).resolves.toMatchObject({ reason: 'client_disconnected' });
    expect(await up.responses[0]!.closedEarly).toBe(true);
  });
});
