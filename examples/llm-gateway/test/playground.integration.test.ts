import { describe, expect, it } from 'vitest';
import { openSocket, useGateway } from './helpers.js';

const ADMIN_TOKEN = 'playground-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

function putJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('playground: static files', () => {
  const server = useGateway({ adminToken: ADMIN_TOKEN });

  it.each([
    ['/', 'text/html; charset=utf-8', '<noscript>'],
    ['/playground/playground.js', 'text/javascript; charset=utf-8', 'startChat'],
    ['/playground/chat.js', 'text/javascript; charset=utf-8', 'WebSocket'],
    ['/playground/status.js', 'text/javascript; charset=utf-8', 'circuit-breakers'],
    ['/playground/gateway-client.js', 'text/javascript; charset=utf-8', 'sessionStorage'],
    ['/playground/page.js', 'text/javascript; charset=utf-8', 'createElement'],
    ['/playground/playground.css', 'text/css; charset=utf-8', 'progress'],
    ['/playground/favicon.svg', 'image/svg+xml', '<svg'],
  ])('serves %s as %s under a strict Content-Security-Policy', async (path, type, excerpt) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("require-trusted-types-for 'script'");
    expect(policy).not.toContain('unsafe');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toContain(excerpt);
  });

  it('serves nothing else from disk: unknown and traversal paths are problem+json 404s', async () => {
    for (const path of [
      '/playground/../package.json',
      '/playground/%2e%2e/src/gateway.ts',
      '/playground/index.html.bak',
      '/index.html',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers HEAD for the page without a body', async () => {
    const response = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe('');
  });
});

describe('playground: who the caller is, and the mock outage switch', () => {
  const server = useGateway({
    adminToken: ADMIN_TOKEN,
    apiKeys: [{ key: 'sk-playground-alice', userId: 'alice', tier: 'PRO' }],
    retry: false,
    breaker: { failureThreshold: 2, openDurationMs: 60_000 },
  });

  it('tells a caller its own identity and tier, and the mock models with their prices', async () => {
    const anonymous = await fetch(`${server.url}/api/playground`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({
      user_id: 'anonymous:127.0.0.1',
      tier: 'FREE',
      anonymous: true,
      models: [
        {
          name: 'mock',
          breaker: 'ai_model_mock',
          mock: { failing: false },
          price: { usd_per_input_token: 0.5e-6, usd_per_output_token: 1.5e-6 },
        },
        {
          name: 'mock-backup',
          breaker: 'ai_model_mock-backup',
          mock: { failing: false },
          price: { usd_per_input_token: 0.5e-6, usd_per_output_token: 1.5e-6 },
        },
      ],
      assistant: { default_mode: 'general', modes: ['general', 'strategist'] },
      task_types: ['chat', 'code', 'summary', 'analysis', 'translation', 'strategy_audit'],
    });
    const alice = await fetch(`${server.url}/api/playground`, {
      headers: { authorization: 'Bearer sk-playground-alice' },
    });
    expect(await alice.json()).toMatchObject({ user_id: 'alice', tier: 'PRO', anonymous: false });
    const wrongKey = await fetch(`${server.url}/api/playground`, {
      headers: { authorization: 'Bearer sk-nobody' },
    });
    expect(wrongKey.status).toBe(401);
  });

  it('refuses the outage switch without the admin token, and for unknown or bad input', async () => {
    const url = `${server.url}/api/playground/mock-outage/mock`;
    expect((await putJson(url, { failing: true })).status).toBe(401);
    expect(
      (await putJson(url, { failing: true }, { authorization: 'Bearer sk-playground-alice' }))
        .status,
    ).toBe(403);
    expect((await putJson(url, { failing: 'yes' }, admin)).status).toBe(400);
    expect((await putJson(url, { failing: true, extra: 1 }, admin)).status).toBe(400);
    const unknown = await putJson(
      `${server.url}/api/playground/mock-outage/gpt-4o`,
      { failing: true },
      admin,
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'mock_model_not_found' });
  });

  it('makes a mock model fail before its first token: failover answers, then its breaker opens', async () => {
    const on = await putJson(
      `${server.url}/api/playground/mock-outage/mock`,
      { failing: true },
      admin,
    );
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ model: 'mock', failing: true });

    const socket = await openSocket(`${server.url.replace('http', 'ws')}/ws/assistant/outage`);
    try {
      for (let turn = 1; turn <= 2; turn++) {
        socket.send({
          user_id: 'user-123',
          message: `turn ${turn}`,
          mode: 'strategist',
          stream: true,
          task_type: 'strategy_audit',
          model: 'mock',
        });
        const messages = await socket.until('stream_end', 'error');
        expect(messages.at(-1)).toMatchObject({ type: 'stream_end', model: 'mock-backup' });
      }
    } finally {
      await socket.close();
    }
    expect(server.gateway.breakers.get('ai_model_mock').snapshot().state).toBe('OPEN');
    const info = await (await fetch(`${server.url}/api/playground`)).json();
    expect(info.models[0]).toMatchObject({ name: 'mock', mock: { failing: true } });

    const off = await putJson(
      `${server.url}/api/playground/mock-outage/mock`,
      { failing: false },
      admin,
    );
    expect(await off.json()).toEqual({ model: 'mock', failing: false });
    server.gateway.breakers.reset('ai_model_mock');
    const again = await openSocket(`${server.url.replace('http', 'ws')}/ws/assistant/recovered`);
    try {
      again.send({ message: 'recovered?', mode: 'general', stream: false, model: 'mock' });
      expect((await again.until('stream_end', 'error')).at(-1)).toMatchObject({
        type: 'stream_end',
        model: 'mock',
      });
    } finally {
      await again.close();
    }
  });
});

describe('playground: without mock models', () => {
  const server = useGateway({
    adminToken: ADMIN_TOKEN,
    models: [
      {
        name: 'local',
        provider: 'openai-compatible',
        apiKeyEnv: 'LOCAL_API_KEY',
        baseUrlEnv: 'LOCAL_BASE_URL',
      },
    ],
    env: { LOCAL_API_KEY: 'sk-local', LOCAL_BASE_URL: 'http://127.0.0.1:9/v1' },
  });

  it('has no outage switch, and lists the model without one', async () => {
    const response = await putJson(
      `${server.url}/api/playground/mock-outage/local`,
      { failing: true },
      admin,
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found' });
    const info = await (await fetch(`${server.url}/api/playground`)).json();
    expect(info.models).toEqual([
      { name: 'local', breaker: 'ai_model_local', mock: null, price: null },
    ]);
  });
});
