import { connect } from 'node:net';
import { type RedisServerHandle, startRedisServer } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../src/gateway.js';
import { eventually, fastMock, postJson } from './helpers.js';

const key = 'sk-rita';
const auth = { authorization: `Bearer ${key}` };

describe('a paused Redis (its own server, so pausing it disturbs no other test)', () => {
  let server: RedisServerHandle;
  let control: Redis;
  let gateway: Gateway;
  let url = '';
  const admin = () => ({ authorization: `Bearer ${gateway.adminToken}` });

  beforeAll(async () => {
    server = await startRedisServer();
    control = new Redis(server.url);
    gateway = await buildGateway({
      logger: false,
      redisUrl: server.url,
      redisTimeoutMs: 200,
      models: [fastMock('mock'), fastMock('slow', { tokensPerSecond: 50, outputTokens: 400 })],
      apiKeys: [{ key, userId: 'rita', tier: 'PRO' }],
    });
    url = await gateway.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await control?.client('UNPAUSE').catch(() => undefined);
    await gateway?.close();
    control?.disconnect();
    await server?.stop();
  });

  /** Pauses every client command on the server for `ms` (CLIENT PAUSE ... ALL). */
  const pause = (ms: number) => control.client('PAUSE', ms, 'ALL');
  const health = async () => (await fetch(`${url}/api/health`)).json();

  it('reports degraded while Redis does not answer, and healthy again after', async () => {
    expect(await health()).toMatchObject({ status: 'healthy', redis: 'ready' });
    await pause(1500);
    const during = await health();
    expect(during).toMatchObject({ status: 'degraded', redis: 'unavailable' });
    expect(during.reasons).toContain('redis does not answer');
    await eventually(
      async () => (await health()).status === 'healthy',
      'health to recover',
      10_000,
    );
  });

  it('reports degraded while the rate limiter runs on its local fallback', async () => {
    await pause(3000);
    const response = await postJson(`${url}/api/chat`, { message: 'hi' }, auth);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    const during = await health();
    expect(during).toMatchObject({ status: 'degraded', rate_limit: { fallback_engaged: true } });
    expect(during.reasons).toContain('rate limiter on its local fallback');
    await control.client('UNPAUSE');
    await eventually(
      async () => {
        const again = await postJson(`${url}/api/chat`, { message: 'again' }, auth);
        await again.arrayBuffer();
        return (await health()).status === 'healthy';
      },
      'the limiter to return to Redis',
      15_000,
    );
  });

  it('answers an admin reset with 503 problem+json when Redis does not answer', async () => {
    await pause(5000);
    const response = await fetch(`${url}/api/rate-limit/reset/rita`, {
      method: 'POST',
      headers: admin(),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'rate_limit_store_unavailable' });
    await control.client('UNPAUSE');
    const after = await fetch(`${url}/api/rate-limit/reset/rita`, {
      method: 'POST',
      headers: admin(),
    });
    expect(after.status).toBe(200);
  });

  it('leaves no token hold behind after 90 clients that leave during their request', async () => {
    const { hostname, port } = new URL(url);
    const body = JSON.stringify({ message: 'a long story', model: 'slow' });
    const request =
      `POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    for (let index = 0; index < 90; index++) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(request);
          // Leave at different moments: before, during and after the token reservation.
          setTimeout(() => socket.destroy(), index % 6);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }
    await eventually(() => gateway.streams.size === 0, 'every stream to end', 15_000);
    await gateway.chat.drain();
    await eventually(
      async () => {
        const quota = await (
          await fetch(`${url}/api/rate-limit/quota/rita`, { headers: admin() })
        ).json();
        return quota.current_usage.tokens_reserved === 0;
      },
      'no token reservation to be held',
      10_000,
    );
  });
});

describe('a Redis that is down when the gateway starts', () => {
  let server: RedisServerHandle;
  let gateway: Gateway;
  let url = '';

  beforeAll(async () => {
    // Started once for its port, stopped before the gateway starts: nothing answers there.
    server = await startRedisServer();
    await server.stop();
    gateway = await buildGateway({
      logger: false,
      redisUrl: server.url,
      redisTimeoutMs: 200,
      models: [fastMock('mock')],
      apiKeys: [{ key, userId: 'rita', tier: 'PRO' }],
    });
    url = await gateway.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
  });

  const chat = async () => {
    const body = { model: 'mock', messages: [{ role: 'user', content: 'hello' }] };
    const response = await postJson(`${url}/v1/chat/completions`, body, auth);
    await response.text();
    return response.status;
  };
  const health = async () => (await fetch(`${url}/api/health`)).json();

  it('starts, serves on the fallbacks while Redis is down, and uses Redis once it answers', async () => {
    expect(await chat()).toBe(200);
    expect(await health()).toMatchObject({ status: 'degraded' });

    await server.start();
    await eventually(
      // The limiter's fallback probes Redis on the requests it serves, at most once a second.
      async () => (await chat()) === 200 && (await health()).status === 'healthy',
      'the gateway to reconnect to Redis and leave its fallbacks',
      15_000,
    );
    const control = new Redis(server.url);
    try {
      expect(await chat()).toBe(200);
      // The request's limits, slot and token reservation now live in Redis.
      expect(await control.dbsize()).toBeGreaterThan(0);
    } finally {
      control.disconnect();
    }
  });
});
