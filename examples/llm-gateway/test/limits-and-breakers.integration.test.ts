import { describe, expect, it } from 'vitest';
import { fastMock, postJson, readSse, useGateway } from './helpers.js';

const chat = { messages: [{ role: 'user', content: 'hello' }] };

describe('rate limits: FREE tier for anonymous callers', () => {
  const server = useGateway();

  it('admits 10 requests a minute, then answers 429 with rate-limit headers and a problem body', async () => {
    const url = `${server.url}/v1/chat/completions`;
    for (let index = 1; index <= 10; index++) {
      const response = await postJson(url, {
        ...chat,
        messages: [{ role: 'user', content: `hello ${index}` }],
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(10 - index));
      await response.arrayBuffer();
    }
    const refused = await postJson(url, chat);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Sliding window: the spent minute still weighs on the next one, so the wait can pass
    // 60 s by up to 60 s / 10, plus 1 for rounding up to whole seconds.
    expect(retryAfter).toBeLessThanOrEqual(67);
    expect(refused.headers.get('ratelimit-policy')).toBe(
      '"minute";q=10;w=60, "hour";q=100;w=3600, "day";q=500;w=86400, "tokens";q=50000;w=86400;breakwater-unit="tokens"',
    );
    expect(refused.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=\d+/);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('10');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    const body = await refused.json();
    expect(body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      tier: 'FREE',
      'violated-policies': ['minute'],
    });
    // The 429 is a value for the client, not a failure of the server.
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  });

  it("reports the caller its own quota, and refuses somebody else's", async () => {
    const own = await fetch(`${server.url}/api/rate-limit/quota/anonymous:127.0.0.1`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({
      user_id: 'anonymous:127.0.0.1',
      tier: 'FREE',
      limits: {
        requests_per_minute: 10,
        requests_per_hour: 100,
        requests_per_day: 500,
        ai_tokens_per_day: 50_000,
      },
      current_usage: { requests_this_minute: 10 },
    });
    const other = await fetch(`${server.url}/api/rate-limit/quota/alice`);
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it("lets the admin read and reset anyone's quota, and nobody else", async () => {
    const admin = { authorization: `Bearer ${server.gateway.adminToken}` };
    const read = await fetch(`${server.url}/api/rate-limit/quota/anonymous:127.0.0.1`, {
      headers: admin,
    });
    expect(read.status).toBe(200);
    for (const headers of [{}, { authorization: 'Bearer not-the-admin-token' }] as Array<
      Record<string, string>
    >) {
      const refused = await fetch(`${server.url}/api/rate-limit/reset/anonymous:127.0.0.1`, {
        method: 'POST',
        headers,
      });
      expect(refused.status).toBe('authorization' in headers ? 403 : 401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toMatchObject({ status: refused.status });
    }
    const reset = await fetch(`${server.url}/api/rate-limit/reset/anonymous:127.0.0.1`, {
      method: 'POST',
      headers: admin,
    });
    expect(reset.status).toBe(200);
    const again = await postJson(`${server.url}/v1/chat/completions`, chat);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });
});

describe('identity: API keys decide the tier, and keys can be required', () => {
  const server = useGateway({
    requireApiKey: true,
    apiKeys: [{ key: 'sk-basic-carol', userId: 'carol', tier: 'BASIC' }],
  });

  it('refuses a request without a key when keys are required', async () => {
    const response = await postJson(`${server.url}/v1/chat/completions`, chat);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await response.json()).toMatchObject({ status: 401, code: 'api_key_required' });
  });

  it('applies the tier of the key, whatever the client claims', async () => {
    const response = await postJson(
      `${server.url}/v1/chat/completions`,
      { ...chat, user: 'ENTERPRISE' },
      {
        authorization: 'Bearer sk-basic-carol',
        'x-tier': 'ENTERPRISE',
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).toBe('30');
    await response.arrayBuffer();
  });
});

describe('circuit breakers: a failing model opens its breaker and requests fail over', () => {
  const server = useGateway({
    models: [fastMock('flaky', { failureRate: 1 }), fastMock('steady')],
    apiKeys: [{ key: 'sk-pro-dan', userId: 'dan', tier: 'PRO' }],
    retry: false,
  });
  const auth = { authorization: 'Bearer sk-pro-dan' };

  it('serves every request from the next model and opens ai_model_flaky after 5 failures', async () => {
    const flaky = server.gateway.catalog.get('flaky')!.mock!;
    for (let index = 1; index <= 5; index++) {
      const response = await postJson(
        `${server.url}/api/chat`,
        { message: `question ${index}`, model: 'flaky' },
        auth,
      );
      expect(response.status).toBe(200);
      const events = await readSse(response);
      const start = JSON.parse(events[0]!.data);
      const end = JSON.parse(events.at(-1)!.data);
      // The stream starts on the model asked for and fails over before its first token.
      expect(start.model).toBe('flaky');
      expect(end).toMatchObject({ type: 'complete', model: 'steady' });
      expect(flaky.stats.failed).toBe(index);
      const breaker = await (
        await fetch(`${server.url}/api/circuit-breakers/ai_model_flaky`, { headers: auth })
      ).json();
      expect(breaker.state).toBe(index < 5 ? 'CLOSED' : 'OPEN');
    }
    // Open: the flaky model is not even called any more, and the answer still comes.
    const response = await postJson(
      `${server.url}/api/chat`,
      { message: 'question 6', model: 'flaky' },
      auth,
    );
    const events = await readSse(response);
    expect(JSON.parse(events.at(-1)!.data).type).toBe('complete');
    expect(flaky.stats.failed).toBe(5);

    const list = await (
      await fetch(`${server.url}/api/circuit-breakers`, { headers: auth })
    ).json();
    expect(list.circuit_breakers.map((breaker: { name: string }) => breaker.name)).toEqual([
      'ai_model_flaky',
      'ai_model_steady',
      'cache',
      'database',
    ]);
    // The HTTP API keeps its snake_case JSON; the package's snapshots are camelCase.
    expect(list.circuit_breakers[0]).toMatchObject({
      state: 'OPEN',
      opened_at: expect.any(Number),
      retry_after_ms: expect.any(Number),
      metrics: { total_failures: 5 },
    });
    const health = await (await fetch(`${server.url}/api/health`)).json();
    expect(health.circuit_breakers).toEqual({ all_closed: false, open: ['ai_model_flaky'] });
    expect(health.status).toBe('healthy');
  });

  it('resets breakers through the admin routes only', async () => {
    const refused = await fetch(`${server.url}/api/circuit-breakers/ai_model_flaky/reset`, {
      method: 'POST',
      headers: auth,
    });
    expect(refused.status).toBe(403);
    const admin = { authorization: `Bearer ${server.gateway.adminToken}` };
    const reset = await fetch(`${server.url}/api/circuit-breakers/ai_model_flaky/reset`, {
      method: 'POST',
      headers: admin,
    });
    expect(reset.status).toBe(200);
    expect((await reset.json()).state).toBe('CLOSED');
    server.gateway.breakers.forceOpen('ai_model_steady');
    const all = await fetch(`${server.url}/api/circuit-breakers/reset-all`, {
      method: 'POST',
      headers: admin,
    });
    expect(all.status).toBe(200);
    const health = await (await fetch(`${server.url}/api/health`)).json();
    expect(health.circuit_breakers).toEqual({ all_closed: true, open: [] });
    const missing = await fetch(`${server.url}/api/circuit-breakers/nope/reset`, {
      method: 'POST',
      headers: admin,
    });
    expect(missing.status).toBe(404);
  });
});
