import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { useFakeLlmServer } from '@breakwater/testing';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { readSse } from './__fixtures__/http-upstream.js';
import { nextEnd } from './__fixtures__/waits.js';
import { anthropicSource, geminiSource, openaiChatSource } from './adapters/index.js';
import { pipeSse } from './sse-writer.js';
import { createStreamManager } from './stream-manager.js';
import { pipeWebSocket } from './websocket-writer.js';

// The managed pipeline over the real official SDKs, against a local server speaking each wire format.
const provider = useFakeLlmServer();
const slow = { chunks: Array.from({ length: 400 }, (_, index) => ` t${index}`), chunkDelayMs: 10 };

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('managed streams over the official SDKs', () => {
  it('OpenAI: completes with the final usage chunk as exact usage', async () => {
    provider.enqueue({
      chunks: ['Hi', ' there', '!'],
      usage: { inputTokens: 11, outputTokens: 3 },
    });
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.openaiBaseURL, maxRetries: 0 });
    const stream = createStreamManager({ buffer: false }).stream(
      openaiChatSource(openai, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    const end = await stream.consume();
    expect(end).toMatchObject({
      type: 'complete',
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 11, outputTokens: 3, estimated: false },
      finishReason: 'stop',
    });
    expect(provider.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('OpenAI: an SSE client disconnect closes the request to the provider', async () => {
    provider.enqueue(slow);
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.openaiBaseURL, maxRetries: 0 });
    const manager = createStreamManager({ buffer: false });
    const server = createServer((_request, response) => {
      const source = openaiChatSource(openai, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Tell me a long story' }],
      });
      void pipeSse(manager.stream(source), response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => {
      server.closeAllConnections();
      server.close();
    });
    const ended = nextEnd(manager);
    const client = new AbortController();
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      signal: client.signal,
    });
    await readSse(response.body!, (events) => events.length >= 4).catch(() => undefined);
    client.abort();
    const end = await ended;
    expect(end).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(await provider.requests[0]!.finished).toBe('client-closed');
    // No usage chunk arrived: the prompt and the text received are estimated.
    expect(end.type === 'cancelled' && end.usage).toMatchObject({ estimated: true });
    expect(end.type === 'cancelled' && end.usage.outputTokens).toBeGreaterThanOrEqual(3);
    expect(provider.requests[0]!.chunksSent).toBeLessThan(400);
  });

  it('Anthropic: cancel(id) through the registry closes the request and reports usage so far', async () => {
    provider.enqueue({ ...slow, usage: { inputTokens: 25, outputTokens: 400 } });
    const anthropic = new Anthropic({
      apiKey: 'k',
      baseURL: provider.anthropicBaseURL,
      maxRetries: 0,
    });
    const manager = createStreamManager({ buffer: false });
    const stream = manager.stream(
      anthropicSource(anthropic, {
        model: 'claude-sonnet-5',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'Tell me a long story' }],
      }),
    );
    let chunks = 0;
    for await (const event of stream) {
      if (event.type === 'chunk' && ++chunks === 5) {
        expect(manager.get(stream.id)).toMatchObject({ phase: 'streaming', progressPercent: 0.5 });
        manager.cancel(stream.id, 'admin');
      }
    }
    const end = await stream.done;
    expect(end).toMatchObject({ type: 'cancelled', reason: 'admin', provider: 'anthropic' });
    // message_start reported the input tokens; the output so far is an estimate.
    expect(end.type === 'cancelled' && end.usage).toMatchObject({
      inputTokens: 25,
      estimated: true,
    });
    expect(await provider.requests[0]!.finished).toBe('client-closed');
  });

  it('Anthropic: an error event after HTTP 200 and before any text is retried, then failed over, like an open() failure', async () => {
    provider.enqueue({ chunks: ['never'], streamError: { afterChunks: 0, kind: 'overloaded' } });
    provider.enqueue({ chunks: ['never'], streamError: { afterChunks: 0, kind: 'overloaded' } });
    provider.enqueue({ chunks: ['Hi', ' there'], usage: { inputTokens: 5, outputTokens: 2 } });
    const anthropic = new Anthropic({
      apiKey: 'k',
      baseURL: provider.anthropicBaseURL,
      maxRetries: 0,
    });
    const source = (model: string) =>
      anthropicSource(anthropic, {
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      });
    const manager = createStreamManager({
      buffer: false,
      retry: { maxRetries: 1, baseDelayMs: 0 },
    });
    const seen: string[] = [];
    manager.on('retry', (event) => seen.push(`retry:${event.model}`));
    manager.on('failover', (event) => seen.push(`failover:${event.fromModel}->${event.model}`));
    const events: string[] = [];
    const end = await manager.stream([source('claude-a'), source('claude-b')]).consume((event) => {
      if (event.type === 'chunk') events.push(event.content);
    });
    expect(seen).toEqual(['retry:claude-a', 'failover:claude-a->claude-b']);
    expect(events).toEqual(['Hi', ' there']);
    expect(end).toMatchObject({
      type: 'complete',
      model: 'claude-b',
      usage: { inputTokens: 5, outputTokens: 2, estimated: false },
    });
    expect(provider.requests).toHaveLength(3);
  });

  it('Gemini: a WebSocket close closes the request; usage is the last cumulative count plus the rest', async () => {
    provider.enqueue(slow);
    const gemini = new GoogleGenAI({
      apiKey: 'k',
      httpOptions: { baseUrl: provider.geminiBaseUrl },
    });
    const manager = createStreamManager({ buffer: false });
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanup.push(async () => {
      for (const socket of wss.clients) socket.terminate();
      wss.close();
    });
    wss.on('connection', (socket) => {
      const source = geminiSource(gemini, {
        model: 'gemini-2.5-flash',
        contents: 'Tell me a long story',
      });
      void pipeWebSocket(manager.stream(source), socket);
    });
    const ended = nextEnd(manager);
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    cleanup.push(() => client.terminate());
    let chunks = 0;
    client.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'chunk' && ++chunks === 5) client.close();
    });
    const end = await ended;
    expect(end).toMatchObject({
      type: 'cancelled',
      reason: 'client_disconnected',
      provider: 'gemini',
    });
    expect(await provider.requests[0]!.finished).toBe('client-closed');
    const usage = end.type === 'cancelled' ? end.usage : undefined;
    expect(usage?.estimated).toBe(true);
    expect(usage?.inputTokens).toBe(10);
    expect(usage?.outputTokens).toBeGreaterThanOrEqual(5);
  });
});
