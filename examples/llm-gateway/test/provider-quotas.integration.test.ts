import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeLlmScenario, useFakeLlmServer } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../src/config.js';
import { fastMock, postJson, testPrices, useGateway } from './helpers.js';

const auth = { authorization: 'Bearer sk-olga' };

/**
 * An OpenAI-style request quota as the fake upstream enforces it: each answer reports what is
 * left in `x-ratelimit-*-requests`, and a request beyond it is answered 429.
 */
function requestQuota(requests: number) {
  let used = 0;
  const state = { served: 0, answered429: 0 };
  const headers = (): Record<string, string> => ({
    'x-ratelimit-limit-requests': String(requests),
    'x-ratelimit-remaining-requests': String(requests - used),
    'x-ratelimit-reset-requests': '10m0s',
  });
  const scenario = (): FakeLlmScenario => {
    if (used >= requests) {
      state.answered429++;
      return { httpError: { status: 429, retryAfterSeconds: 600, headers: headers() } };
    }
    used++;
    state.served++;
    return { headers: headers() };
  };
  return { scenario, state };
}

function quotaGateway(primary: Omit<ModelConfig, 'name'>, failover: boolean) {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [{ key: 'sk-olga', userId: 'olga', tier: 'ENTERPRISE' }],
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
    retry: false,
    failover,
    prices: testPrices({ 'gpt-quota': 'openai', 'gemini-quota': 'gcp.gemini' }),
    models: [{ name: 'primary', ...primary }, fastMock('backup')],
    env: {
      UPSTREAM_KEY: 'test-upstream-key',
      UPSTREAM_URL: upstream.openaiBaseURL,
      GEMINI_URL: upstream.geminiBaseUrl,
    },
  }));
  const ask = (stream: boolean) =>
    postJson(
      `${server.url}/v1/chat/completions`,
      { model: 'primary', stream, messages: [{ role: 'user', content: 'hi' }] },
      auth,
    );
  return { upstream, server, ask };
}

const upstreamEnv = { apiKeyEnv: 'UPSTREAM_KEY', baseUrlEnv: 'UPSTREAM_URL' } as const;
const gemini = {
  provider: 'gemini',
  upstreamModel: 'gemini-quota',
  apiKeyEnv: 'UPSTREAM_KEY',
  baseUrlEnv: 'GEMINI_URL',
} as const;

/**
 * Which model answered a request for `primary`: the mock model's answer names it (a stream's
 * opening chunk names the model asked for, its later chunks the one that answers).
 */
async function servedBy(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  return (await response.text()).includes('"model":"backup"') ? 'backup' : 'primary';
}

describe.each([
  { client: 'the lean openai-compatible client', provider: 'openai-compatible' as const },
  { client: 'the official openai SDK', provider: 'openai' as const },
])('provider quotas learned from the answers of $client', ({ provider }) => {
  const { upstream, ask } = quotaGateway(
    { provider, upstreamModel: 'gpt-quota', ...upstreamEnv },
    true,
  );

  it('fails over before the provider would answer 429, streamed or not', async () => {
    const quota = requestQuota(3);
    upstream.setDefault(quota.scenario);
    const served: string[] = [];
    for (const stream of [false, true, false, true, false, true]) {
      served.push(await servedBy(await ask(stream)));
    }
    expect(served).toEqual(['primary', 'primary', 'primary', 'backup', 'backup', 'backup']);
    expect(quota.state).toEqual({ served: 3, answered429: 0 });
    expect(upstream.requests).toHaveLength(3);
  });
});

describe('provider quotas without a model to fail over to', () => {
  const { upstream, ask } = quotaGateway(
    { provider: 'openai-compatible', upstreamModel: 'gpt-quota', ...upstreamEnv },
    false,
  );

  it('answers 503 with the time the quota refills as Retry-After, sending nothing upstream', async () => {
    const quota = requestQuota(1);
    upstream.setDefault(quota.scenario);
    const first = await ask(false);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const refused = await ask(false);
    expect(refused.status).toBe(503);
    // One request a 10-minute window: the next one is free in about 10 minutes.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    const body = (await refused.json()) as { detail: string };
    expect(body.detail).toContain('the provider quota of model primary is used up');
    expect(quota.state).toEqual({ served: 1, answered429: 0 });
  });
});

describe('provider quotas learned from the 429 answers of Gemini', () => {
  const { upstream, server, ask } = quotaGateway(gemini, true);

  it('fails over without calling Gemini until its RetryInfo delay has passed', async () => {
    const failovers: string[] = [];
    const onFailover = (event: { message: string }) => failovers.push(event.message);
    server.gateway.streams.on('failover', onFailover);
    try {
      // Gemini tells its quota only in the body of a 429: `RetryInfo.retryDelay` of 1 s.
      upstream.enqueue({ httpError: { status: 429, retryAfterSeconds: 1 } });
      const served = [await servedBy(await ask(false))];
      expect(upstream.requests).toHaveLength(1);
      served.push(await servedBy(await ask(true)), await servedBy(await ask(false)));
      // Refused by the quota Gemini reported, before being sent: Gemini saw nothing more.
      expect(upstream.requests).toHaveLength(1);
      expect(failovers.slice(1)).toEqual([
        expect.stringContaining('the provider quota of model primary is used up (retry-after)'),
        expect.stringContaining('the provider quota of model primary is used up (retry-after)'),
      ]);
      await sleep(1100);
      served.push(await servedBy(await ask(false)));
      expect(served).toEqual(['backup', 'backup', 'backup', 'primary']);
      expect(upstream.requests).toHaveLength(2);
    } finally {
      server.gateway.streams.off('failover', onFailover);
    }
  });
});

describe.each([
  {
    quota: 'a per-minute quota',
    geminiQuotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
    retryAfterSeconds: 30,
    limitedBy: 'retry-after',
  },
  {
    // Longer than the 5 minutes a breaker opens for at most on a 429.
    quota: 'a per-day quota',
    geminiQuotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
    retryAfterSeconds: 3600,
    limitedBy: 'daily-quota',
  },
])(
  'Gemini 429s for $quota without a model to fail over to',
  ({ geminiQuotaId, retryAfterSeconds, limitedBy }) => {
    const { upstream, ask } = quotaGateway(gemini, false);

    it('answers 503 with the RetryInfo delay as Retry-After, sending nothing upstream', async () => {
      upstream.enqueue({ httpError: { status: 429, retryAfterSeconds, geminiQuotaId } });
      const first = await ask(false);
      expect(first.status).toBe(503);
      await first.arrayBuffer();
      expect(upstream.requests).toHaveLength(1);
      const refused = await ask(false);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe(String(retryAfterSeconds));
      const body = (await refused.json()) as { detail: string };
      expect(body.detail).toContain(
        `the provider quota of model primary is used up (${limitedBy})`,
      );
      expect(upstream.requests).toHaveLength(1);
    });
  },
);
