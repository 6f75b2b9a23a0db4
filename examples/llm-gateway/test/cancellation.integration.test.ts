import { describe, expect, it } from 'vitest';
import { buildGateway } from '../src/gateway.js';
import { eventually, fastMock, openSocket, postJson, readSse, useGateway } from './helpers.js';

const slow = fastMock('slow', { tokensPerSecond: 40, outputTokens: 2000 });
const apiKeys = [
  { key: 'sk-erin', userId: 'erin', tier: 'PRO' },
  { key: 'sk-frank', userId: 'frank', tier: 'PRO' },
];
const erin = { authorization: 'Bearer sk-erin' };
const frank = { authorization: 'Bearer sk-frank' };

describe('cancellation stops the upstream', () => {
  const server = useGateway({
    models: [slow],
    apiKeys,
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
  });
  const upstream = () => server.gateway.catalog.get('slow')!.mock!;

  it('cancels a stream through POST /api/streaming/{id}/cancel', async () => {
    const before = upstream().stats.aborted;
    const response = await postJson(
      `${server.url}/api/chat`,
      { message: 'a long answer please' },
      erin,
    );
    const streamId = response.headers.get('x-stream-id')!;
    expect(streamId).toBeTruthy();
    const events: Array<{ event: string | undefined; data: string }> = [];
    const reading = readSse(response, (event) => {
      events.push(event);
      return false;
    });
    await eventually(() => events.some((event) => event.event === 'chunk'), 'a first chunk');

    const listed = await (
      await fetch(`${server.url}/api/streaming/active`, { headers: erin })
    ).json();
    expect(listed.count).toBe(1);
    expect(listed.active_streams[0]).toMatchObject({
      stream_id: streamId,
      phase: 'streaming',
      model: 'slow',
    });
    // The original design's snake_case JSON, mapped from llm-stream's camelCase ActiveStreamInfo.
    expect(Object.keys(listed.active_streams[0])).toEqual([
      'stream_id',
      'model',
      'provider',
      'phase',
      'attempts',
      'started_at',
      'elapsed_seconds',
      'chunk_number',
      'total_tokens',
      'progress_percent',
      'ttft_ms',
      'tokens_per_second',
      'metadata',
    ]);
    const hidden = await (
      await fetch(`${server.url}/api/streaming/active`, { headers: frank })
    ).json();
    expect(hidden).toEqual({ active_streams: [], count: 0 });
    const notYours = await fetch(`${server.url}/api/streaming/${streamId}/cancel`, {
      method: 'POST',
      headers: frank,
    });
    expect(notYours.status).toBe(404);

    const cancel = await fetch(`${server.url}/api/streaming/${streamId}/cancel`, {
      method: 'POST',
      headers: erin,
    });
    expect(await cancel.json()).toEqual({ stream_id: streamId, cancelled: true });
    await reading;
    const last = events.at(-1)!;
    expect(last.event).toBe('cancelled');
    expect(JSON.parse(last.data)).toMatchObject({
      reason: 'cancelled_by_api',
      usage: { estimated: true },
    });
    expect(upstream().stats.aborted).toBe(before + 1);
    expect(upstream().openStreams).toBe(0);
    expect(server.gateway.streams.size).toBe(0);
  });

  it('cancels an SSE stream when the client disconnects', async () => {
    const before = upstream().stats.aborted;
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...erin },
      body: JSON.stringify({ message: 'another long answer' }),
      signal: controller.signal,
    });
    await readSse(response, (event) => event.event === 'chunk').catch(() => []);
    expect(upstream().openStreams).toBe(1);
    controller.abort();
    await eventually(() => upstream().openStreams === 0, 'the upstream to close');
    expect(upstream().stats.aborted).toBe(before + 1);
    await eventually(() => server.gateway.streams.size === 0, 'the stream to leave the registry');
  });

  it('cancels a non-streaming completion when the client disconnects', async () => {
    const before = upstream().stats.aborted;
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...frank },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'take your time' }] }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await eventually(() => upstream().openStreams === 1, 'the upstream to open');
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => upstream().openStreams === 0, 'the upstream to close');
    expect(upstream().stats.aborted).toBe(before + 1);
  });

  it('charges the tokens a cancelled stream used against the daily budget', async () => {
    const quota = await (
      await fetch(`${server.url}/api/rate-limit/quota/erin`, { headers: erin })
    ).json();
    expect(quota.current_usage.tokens_reserved).toBe(0);
    expect(quota.current_usage.tokens_today).toBeGreaterThan(0);
  });
});

describe('graceful shutdown', () => {
  it('ends open streams with a cancelled event, then closes', async () => {
    const gateway = await buildGateway({ logger: false, models: [slow], apiKeys });
    const url = await gateway.listen(0, '127.0.0.1');
    const response = await postJson(`${url}/api/chat`, { message: 'keep talking' }, erin);
    const events: Array<{ event: string | undefined; data: string }> = [];
    const reading = readSse(response, (event) => {
      events.push(event);
      return false;
    });
    await eventually(() => events.some((event) => event.event === 'chunk'), 'a first chunk');
    const socket = await openSocket(
      `${url.replace('http', 'ws')}/ws/assistant/shutdown?api_key=sk-frank`,
    );
    socket.send({ message: 'and you too' });
    await socket.until('stream_chunk');
    const socketClosed = new Promise<number>((resolve) =>
      socket.socket.once('close', (code) => resolve(code)),
    );
    await gateway.close();
    await reading;
    expect((await socket.until('stream_cancelled')).at(-1)).toMatchObject({ reason: 'shutdown' });
    expect(await socketClosed).toBe(1001);
    expect(events.at(-1)?.event).toBe('cancelled');
    expect(JSON.parse(events.at(-1)!.data).reason).toBe('shutdown');
    expect(gateway.catalog.get('slow')!.mock!.openStreams).toBe(0);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });
});
