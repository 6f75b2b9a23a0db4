import { randomUUID } from 'node:crypto';
import { startRedisServer, useRedis } from '@breakwater/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../src/gateway.js';
import { eventually, fastMock, openSocket, postJson, readSse } from './helpers.js';

describe('two gateway instances sharing one Redis', () => {
  const redis = useRedis();
  const user = `user-${randomUUID().slice(0, 8)}`;
  const key = `sk-${randomUUID()}`;
  const auth = { authorization: `Bearer ${key}` };
  const instances: Array<{ gateway: Gateway; url: string }> = [];

  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      const gateway = await buildGateway({
        logger: false,
        redisUrl: redis.url,
        // Generous, so a busy test machine never pushes the limiter onto its local fallback.
        redisTimeoutMs: 5000,
        models: [fastMock('mock')],
        apiKeys: [{ key, userId: user, tier: 'FREE' }],
      });
      instances.push({ gateway, url: await gateway.listen(0, '127.0.0.1') });
    }
  });
  afterAll(async () => {
    for (const { gateway } of instances) await gateway.close();
  });

  it('reports Redis in its health', async () => {
    const health = await (await fetch(`${instances[0]!.url}/api/health`)).json();
    expect(health).toMatchObject({
      status: 'healthy',
      redis: 'ready',
      cache: { enabled: true, backend: 'redis' },
      rate_limit: { backend: 'redis', fallback_engaged: false },
    });
  });

  it('shares the response cache: what one instance answered, the other replays', async () => {
    const prompt = `cache me ${randomUUID()}`;
    const first = await postJson(
      `${instances[0]!.url}/api/chat`,
      { message: prompt, temperature: 0 },
      auth,
    );
    const firstEvents = await readSse(first);
    expect(JSON.parse(firstEvents[0]!.data).cached).toBeUndefined();
    const text = (events: typeof firstEvents) =>
      events
        .filter((event) => event.event === 'chunk')
        .map((event) => JSON.parse(event.data).content)
        .join('');
    // The cache write is part of settling the turn.
    await instances[0]!.gateway.chat.drain();
    const replay = await readSse(
      await postJson(`${instances[1]!.url}/api/chat`, { message: prompt, temperature: 0 }, auth),
    );
    expect(JSON.parse(replay[0]!.data)).toMatchObject({ type: 'start', cached: true });
    expect(text(replay)).toBe(text(firstEvents));
    expect(instances[1]!.gateway.catalog.get('mock')!.mock!.stats.opened).toBe(0);
    expect(instances[1]!.gateway.cache!.size).toBeGreaterThan(0);
  });

  it('shares rate limits: the FREE tier gets 10 requests a minute across both instances', async () => {
    const quota = await (
      await fetch(`${instances[0]!.url}/api/rate-limit/quota/${user}`, { headers: auth })
    ).json();
    let used = quota.current_usage.requests_this_minute as number;
    let refused: Response | undefined;
    for (let index = 0; index < 12 && !refused; index++) {
      const instance = instances[index % 2]!;
      const response = await postJson(
        `${instance.url}/v1/chat/completions`,
        {
          messages: [{ role: 'user', content: `shared ${index}` }],
        },
        auth,
      );
      await response.arrayBuffer();
      if (response.status === 429) refused = response;
      else used++;
    }
    expect(used).toBe(10);
    expect(refused?.headers.get('ratelimit-policy')).toContain('"minute";q=10;w=60');
  });

  it("keeps a session's history in Redis, readable from the other instance", async () => {
    const session = `s-${randomUUID().slice(0, 8)}`;
    const admin = { authorization: `Bearer ${instances[0]!.gateway.adminToken}` };
    await fetch(`${instances[0]!.url}/api/rate-limit/reset/${user}`, {
      method: 'POST',
      headers: admin,
    });
    const socket = await openSocket(
      `${instances[0]!.url.replace('http', 'ws')}/ws/assistant/${session}?api_key=${key}`,
    );
    socket.send({ message: 'remember this' });
    await socket.until('stream_end');
    await socket.close();
    // History is written once the turn settled, just after stream_end went out.
    await eventually(
      async () => (await instances[1]!.gateway.sessions.history(user, session)).length === 2,
      'the history to be written',
    );
    const history = await instances[1]!.gateway.sessions.history(user, session);
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(history[0]!.content).toBe('remember this');
  });
});

describe('Redis going away', () => {
  it('keeps serving from local fallbacks, reports it, and recovers', async () => {
    const server = await startRedisServer();
    const gateway = await buildGateway({
      logger: false,
      redisUrl: server.url,
      models: [fastMock('mock')],
      apiKeys: [{ key: 'sk-kim', userId: 'kim', tier: 'PRO' }],
    });
    const url = await gateway.listen(0, '127.0.0.1');
    const auth = { authorization: 'Bearer sk-kim' };
    try {
      await server.stop();
      for (let index = 0; index < 3; index++) {
        const response = await postJson(
          `${url}/v1/chat/completions`,
          { messages: [{ role: 'user', content: `offline ${index}` }] },
          auth,
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-policy')).toContain('"minute";q=100');
        await response.arrayBuffer();
      }
      const health = await (await fetch(`${url}/api/health`)).json();
      expect(health).toMatchObject({
        status: 'degraded',
        redis: 'unavailable',
        rate_limit: { fallback_engaged: true },
      });

      await server.start();
      await eventually(
        async () => {
          const response = await postJson(
            `${url}/v1/chat/completions`,
            { messages: [{ role: 'user', content: 'back' }] },
            auth,
          );
          await response.arrayBuffer();
          const again = await (await fetch(`${url}/api/health`)).json();
          return again.redis === 'ready' && again.rate_limit.fallback_engaged === false;
        },
        'the gateway to return to Redis',
        20_000,
      );
    } finally {
      await gateway.close();
      await server.stop();
    }
  });
});
