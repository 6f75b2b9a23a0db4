import { describe, expect, it } from 'vitest';
import { eventually, fastMock, openSocket, useGateway } from './helpers.js';

const apiKeys = [{ key: 'sk-gina', userId: 'gina', tier: 'PRO' }];

describe('WebSocket /ws/assistant/{session_id}', () => {
  const server = useGateway({
    models: [fastMock('mock'), fastMock('slow', { tokensPerSecond: 40, outputTokens: 2000 })],
    apiKeys,
  });
  const wsUrl = (path: string) => `${server.url.replace('http', 'ws')}${path}`;

  it('streams stream_start, stream_chunk… and stream_end for a message', async () => {
    const client = await openSocket(wsUrl('/ws/assistant/session-1'), {
      authorization: 'Bearer sk-gina',
    });
    client.send({
      user_id: 'gina',
      message: 'Tell me about harbours.',
      task_type: 'chat',
    });
    const messages = await client.until('stream_end', 'error');
    const [start, ...rest] = messages;
    const end = rest.pop()!;
    expect(start).toMatchObject({ type: 'stream_start', model: 'mock', cached: false });
    expect(typeof start!.stream_id).toBe('string');
    expect(rest.length).toBeGreaterThan(0);
    rest.forEach((chunk, index) => {
      expect(chunk).toMatchObject({
        type: 'stream_chunk',
        chunk_number: index + 1,
        stream_id: start!.stream_id,
      });
      expect(typeof chunk.content).toBe('string');
      expect(typeof chunk.total_tokens).toBe('number');
    });
    // Chunk totals are estimates until the provider reports usage; stream_end has its count.
    const totals = rest.map((chunk) => chunk.total_tokens as number);
    expect(totals.every((total) => total >= 0)).toBe(true);
    expect(end).toMatchObject({
      type: 'stream_end',
      model: 'mock',
      total_tokens: 12,
      usage: { output_tokens: 12, estimated: false },
    });
    expect(typeof end.duration_ms).toBe('number');

    // A second message in the same session carries the history: the prompt grows.
    client.send({ message: 'And breakwaters?', stream: false, task_type: 'chat' });
    const second = await client.until('stream_end');
    expect(second.map((message) => message.type)).toEqual([
      'stream_start',
      'stream_chunk',
      'stream_end',
    ]);
    expect(String(second[1]!.content).split(' ')).toHaveLength(12);
    expect((second[2]!.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(
      (end.usage as { input_tokens: number }).input_tokens,
    );
    await client.close();
    await eventually(() => server.gateway.sockets.size === 0, 'the socket to be forgotten');
  });

  it('accepts the key as ?api_key= for browsers, and refuses a wrong one before the upgrade', async () => {
    const client = await openSocket(wsUrl('/ws/assistant/session-2?api_key=sk-gina'));
    client.send({ message: 'hi', task_type: 'code' });
    const messages = await client.until('stream_end');
    expect(messages[0]).toMatchObject({ type: 'stream_start' });
    await client.close();
    await expect(openSocket(wsUrl('/ws/assistant/session-2?api_key=sk-wrong'))).rejects.toThrow(
      'upgrade refused with 401',
    );
  });

  it('answers invalid messages with an error and keeps the socket open', async () => {
    const client = await openSocket(wsUrl('/ws/assistant/session-3'), {
      authorization: 'Bearer sk-gina',
    });
    client.socket.send('not json');
    expect(await client.next()).toEqual({
      type: 'error',
      code: 'invalid_message',
      message: 'message is not valid JSON',
    });
    client.send({ message: 'hi', tier: 'ENTERPRISE' });
    expect(await client.next()).toMatchObject({
      type: 'error',
      code: 'invalid_message',
      message: 'unknown field "tier"',
    });
    client.send({ message: 'hi', model: 'nope' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'model_not_found' });
    client.send({ message: 'hi' });
    expect((await client.until('stream_end')).at(-1)).toMatchObject({ type: 'stream_end' });
    await client.close();
  });

  it('cancels the upstream when the client cancels or closes the socket', async () => {
    const slow = server.gateway.catalog.get('slow')!.mock!;
    const before = slow.stats.aborted;
    const client = await openSocket(wsUrl('/ws/assistant/session-4'), {
      authorization: 'Bearer sk-gina',
    });
    client.send({ message: 'a long story', model: 'slow' });
    await client.until('stream_chunk');
    client.send({ type: 'cancel' });
    const ended = await client.until('stream_cancelled');
    expect(ended.at(-1)).toMatchObject({ type: 'stream_cancelled', reason: 'cancelled_by_client' });
    await eventually(() => slow.openStreams === 0, 'the upstream to close');
    expect(slow.stats.aborted).toBe(before + 1);

    client.send({ message: 'another long story', model: 'slow' });
    await client.until('stream_chunk');
    expect(slow.openStreams).toBe(1);
    await client.close();
    await eventually(() => slow.openStreams === 0, 'the upstream to close after the socket did');
    expect(slow.stats.aborted).toBe(before + 2);
  });
});
