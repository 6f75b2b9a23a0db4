import { randomUUID } from 'node:crypto';
import { useRedis } from '@breakwater/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../src/gateway.js';
import { eventually, fastMock, readSse, useGateway } from './helpers.js';

const auth = { authorization: 'Bearer sk-ines' };
const apiKeys = [{ key: 'sk-ines', userId: 'ines', tier: 'ENTERPRISE' }];
const roomy = { perUser: 50, maxWaitMs: 20 };

/** `breakwater_concurrency_in_flight{limiter="model"}` on /metrics. */
async function modelSlotsInFlight(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((row) => row.startsWith('breakwater_concurrency_in_flight{limiter="model"}'));
  if (!line) throw new Error('no in-flight gauge for the model limiter on /metrics');
  return Number(line.split(' ').at(-1));
}

/** The `concurrency` of the user's quota: calls in flight and the tier's limit. */
async function userConcurrency(url: string): Promise<unknown> {
  const quota = (await (
    await fetch(`${url}/api/rate-limit/quota/ines`, { headers: auth })
  ).json()) as {
    concurrency: unknown;
  };
  return quota.concurrency;
}

function ask(
  url: string,
  model: string,
  extra: Record<string, unknown> = {},
  signal?: AbortSignal,
) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    ...(signal ? { signal } : {}),
  });
}

describe('per-model concurrency with failover', () => {
  const server = useGateway({
    apiKeys,
    models: [
      { ...fastMock('narrow', { tokensPerSecond: 40, outputTokens: 12 }), concurrency: 1 },
      fastMock('spare', { tokensPerSecond: 40, outputTokens: 12 }),
    ],
    failover: true,
    retry: false,
    concurrency: roomy,
  });

  it("sends a call beyond a model's limit to the next model", async () => {
    const answers = await Promise.all([ask(server.url, 'narrow'), ask(server.url, 'narrow')]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{
      model: string;
    }>;
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(bodies.map((body) => body.model).sort()).toEqual(['narrow', 'spare']);
    await eventually(async () => (await modelSlotsInFlight(server.url)) === 0, 'slots released');
  });
});

describe('per-model concurrency without a model to fail over to', () => {
  const server = useGateway({
    apiKeys,
    models: [
      { ...fastMock('narrow', { tokensPerSecond: 40, outputTokens: 12 }), concurrency: 1 },
      { ...fastMock('long', { tokensPerSecond: 5, outputTokens: 400 }), concurrency: 3 },
    ],
    failover: false,
    retry: false,
    concurrency: roomy,
  });

  it('answers 503 with Retry-After while every slot is taken, and serves again once one frees', async () => {
    const [first, second] = await Promise.all([
      ask(server.url, 'narrow'),
      ask(server.url, 'narrow'),
    ]);
    const refused = first!.status === 503 ? first! : second!;
    const served = refused === first ? second! : first!;
    expect(served.status).toBe(200);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as { status: number; code: string; detail: string };
    expect(body).toMatchObject({ status: 503, code: 'circuit_open' });
    expect(body.detail).toContain('model narrow has 1 calls in flight, its concurrency limit');
    await served.arrayBuffer();
    const after = await ask(server.url, 'narrow');
    expect(after.status).toBe(200);
    await after.arrayBuffer();
  });

  it('leaks no slot when streams are cancelled or their clients disconnect', async () => {
    // Three long streams take every slot of `long`: two clients go away, one is cancelled by id.
    const clients = [new AbortController(), new AbortController(), new AbortController()];
    const responses = await Promise.all(
      clients.map((client) => ask(server.url, 'long', { stream: true }, client.signal)),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    await eventually(async () => (await modelSlotsInFlight(server.url)) === 3, 'three slots held');
    expect(await userConcurrency(server.url)).toEqual({ in_flight: 3, limit: 100 });
    const refused = await ask(server.url, 'long');
    expect(refused.status).toBe(503);
    await refused.arrayBuffer();

    const active = (await (
      await fetch(`${server.url}/api/streaming/active`, { headers: auth })
    ).json()) as { active_streams: Array<{ stream_id: string }> };
    expect(active.active_streams).toHaveLength(3);
    const cancel = await fetch(
      `${server.url}/api/streaming/${active.active_streams[0]!.stream_id}/cancel`,
      { method: 'POST', headers: auth },
    );
    expect(cancel.status).toBe(200);
    for (const client of clients.slice(1)) client.abort();
    await Promise.all(responses.map((response) => readSse(response).catch(() => undefined)));

    await eventually(async () => (await modelSlotsInFlight(server.url)) === 0, 'slots released');
    expect(await userConcurrency(server.url)).toEqual({ in_flight: 0, limit: 100 });
    const again = await Promise.all(
      [1, 2, 3].map(() => ask(server.url, 'long', { max_tokens: 4 })),
    );
    expect(again.map((response) => response.status)).toEqual([200, 200, 200]);
    await Promise.all(again.map((response) => response.arrayBuffer()));
  });
});

describe('per-model concurrency across two instances sharing Redis', () => {
  const redis = useRedis();
  // A fresh model name: slots live in Redis under the model's name.
  const model = `shared-${randomUUID().slice(0, 8)}`;
  const instances: Array<{ gateway: Gateway; url: string }> = [];

  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      const gateway = await buildGateway({
        logger: false,
        redisUrl: redis.url,
        // Generous, so a busy test machine never pushes the limiter onto its fallback.
        redisTimeoutMs: 5000,
        apiKeys,
        models: [{ ...fastMock(model, { tokensPerSecond: 5, outputTokens: 400 }), concurrency: 1 }],
        failover: false,
        retry: false,
        concurrency: roomy,
      });
      instances.push({ gateway, url: await gateway.listen(0, '127.0.0.1') });
    }
  });
  afterAll(async () => {
    for (const { gateway } of instances) await gateway.close();
  });

  it("counts a model's calls over both instances and frees the slot when the client leaves", async () => {
    const [first, second] = instances.map((instance) => instance.url) as [string, string];
    const client = new AbortController();
    const held = await ask(first, model, { stream: true }, client.signal);
    expect(held.status).toBe(200);
    const refused = await ask(second, model, { max_tokens: 4 });
    expect(refused.status).toBe(503);
    await refused.arrayBuffer();

    client.abort();
    await readSse(held).catch(() => undefined);
    await eventually(async () => (await modelSlotsInFlight(first)) === 0, 'the slot released');
    const served = await ask(second, model, { max_tokens: 4 });
    expect(served.status).toBe(200);
    await served.arrayBuffer();
  });
});
