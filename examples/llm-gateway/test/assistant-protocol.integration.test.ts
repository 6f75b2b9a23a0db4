import { useFakeLlmServer } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultAssistant } from '../src/config.js';
import { openSocket, testPrices, useGateway } from './helpers.js';

const apiKey = 'sk-olga';
const logLines: string[] = [];

/** The original design's browser message, verbatim. */
const designMessage = {
  user_id: 'user-123',
  message: 'Generate a comprehensive strategy audit',
  mode: 'strategist',
  task_type: 'strategy_audit',
};

/** Opens a WebSocket with `headers` and resolves with the upgrade's HTTP status (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (request, response) => {
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

describe("the original design's assistant protocol over /ws/assistant", () => {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [{ key: apiKey, userId: 'olga', tier: 'PRO' }],
    allowedOrigins: ['https://app.example.com'],
    logger: { destination: { write: (line: string) => void logLines.push(line) } },
    prices: testPrices({ gpt: 'openai' }),
    models: [
      {
        name: 'gpt',
        provider: 'openai',
        apiKeyEnv: 'OPENAI_API_KEY',
        baseUrlEnv: 'OPENAI_BASE_URL',
      },
    ],
    env: { OPENAI_API_KEY: 'sk-upstream', OPENAI_BASE_URL: upstream.openaiBaseURL },
  }));
  const wsUrl = (session: string) =>
    `${server.url.replace('http', 'ws')}/ws/assistant/${session}?api_key=${apiKey}`;

  it('accepts the message as written: mode picks the system prompt, task_type is a free label', async () => {
    const client = await openSocket(wsUrl('session-123'));
    client.send(designMessage);
    const messages = await client.until('stream_end', 'error');
    expect(messages.map((message) => message.type)).toContain('stream_chunk');
    expect(messages.at(-1)).toMatchObject({ type: 'stream_end' });
    const sent = upstream.requests[0]!.body.messages as Array<{ role: string; content: string }>;
    expect(sent[0]).toEqual({ role: 'system', content: defaultAssistant.modes.strategist!.system });
    expect(sent.at(-1)).toEqual({ role: 'user', content: designMessage.message });
    await client.close();
  });

  it('falls back to the default mode for an unknown mode, and answers in one chunk with stream: false', async () => {
    const client = await openSocket(wsUrl('session-124'));
    client.send({ message: 'hello', mode: 'pirate', stream: false, task_type: 'support.ticket' });
    const messages = await client.until('stream_end', 'error');
    expect(messages.map((message) => message.type)).toEqual([
      'stream_start',
      'stream_chunk',
      'stream_end',
    ]);
    const sent = upstream.requests[0]!.body.messages as Array<{ role: string }>;
    expect(sent.map((message) => message.role)).toEqual(['user']);
    await client.close();
  });

  it('refuses task types outside the bounded label rule, the same as the HTTP routes', async () => {
    const client = await openSocket(wsUrl('session-125'));
    for (const taskType of ['has space', 'x'.repeat(65), '', '../etc']) {
      client.send({ message: 'hi', task_type: taskType });
      expect(await client.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    }
    await client.close();
    const http = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi', task_type: 'has space' }),
    });
    expect(http.status).toBe(400);
  });

  it('logs malformed frames once per connection, at warn, without a stack', async () => {
    const before = logLines.length;
    const client = await openSocket(wsUrl('session-126'));
    for (let index = 0; index < 5; index++) {
      client.socket.send('{not json');
      expect(await client.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    }
    await client.close();
    const warnings = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown })
      .filter((entry) => entry.msg.includes('malformed WebSocket message'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(JSON.stringify(warnings[0])).not.toContain('stack');
  });

  it('checks Origin on upgrades: same host, localhost and the allowlist pass, others get 403', async () => {
    const url = wsUrl('session-127');
    const host = new URL(server.url).host;
    expect(await upgradeStatus(url, { origin: `http://${host}` })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'http://localhost:3000' })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'https://app.example.com' })).toBe(101);
    expect(await upgradeStatus(url, {})).toBe(101);
    expect(await upgradeStatus(url, { origin: 'https://evil.example.net' })).toBe(403);
  });

  it('sends CORS headers to allowed origins only, and answers their preflight', async () => {
    const allowed = await fetch(`${server.url}/api/health`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await fetch(`${server.url}/api/health`, {
      headers: { origin: 'https://evil.example.net' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
  });
});
