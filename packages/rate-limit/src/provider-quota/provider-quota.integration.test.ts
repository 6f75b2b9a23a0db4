import Anthropic from '@anthropic-ai/sdk';
import { type FakeLlmScenario, useFakeLlmServer } from '@breakwater/testing';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  createProviderQuotaTracker,
  type ProviderQuotaDecision,
} from './provider-quota-tracker.js';

const WINDOW_MS = 60_000;

/**
 * A provider's quota as the fake upstream enforces it: each answer reports what is left in
 * the provider's own headers, and a request that does not fit gets a 429.
 */
function upstreamQuota(options: {
  style: 'openai' | 'anthropic';
  requests: number;
  tokens: number;
  tokensPerRequest: number;
}) {
  let usedRequests = 0;
  let usedTokens = 0;
  const state = { answered429: 0 };
  const resetIn = (used: number, limit: number) => Math.ceil((used * WINDOW_MS) / limit);
  const headers = (): Record<string, string> => {
    const requestsLeft = options.requests - usedRequests;
    const tokensLeft = options.tokens - usedTokens;
    if (options.style === 'openai')
      return {
        'x-ratelimit-limit-requests': String(options.requests),
        'x-ratelimit-remaining-requests': String(requestsLeft),
        'x-ratelimit-reset-requests': `${resetIn(usedRequests, options.requests)}ms`,
        'x-ratelimit-limit-tokens': String(options.tokens),
        'x-ratelimit-remaining-tokens': String(tokensLeft),
        'x-ratelimit-reset-tokens': `${resetIn(usedTokens, options.tokens)}ms`,
      };
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    return {
      'anthropic-ratelimit-requests-limit': String(options.requests),
      'anthropic-ratelimit-requests-remaining': String(requestsLeft),
      'anthropic-ratelimit-requests-reset': at(resetIn(usedRequests, options.requests)),
      'anthropic-ratelimit-tokens-limit': String(options.tokens),
      'anthropic-ratelimit-tokens-remaining': String(tokensLeft),
      'anthropic-ratelimit-tokens-reset': at(resetIn(usedTokens, options.tokens)),
    };
  };
  const scenario = (): FakeLlmScenario => {
    if (
      usedRequests + 1 > options.requests ||
      usedTokens + options.tokensPerRequest > options.tokens
    ) {
      state.answered429++;
      return { httpError: { status: 429, retryAfterSeconds: 30, headers: headers() } };
    }
    usedRequests++;
    usedTokens += options.tokensPerRequest;
    return { headers: headers() };
  };
  return { scenario, state };
}

describe('provider quotas learned from the headers of real SDK responses', () => {
  const upstream = useFakeLlmServer();
  const openai = () => new OpenAI({ apiKey: 'k', baseURL: upstream.openaiBaseURL, maxRetries: 0 });
  const ask = (client: OpenAI) =>
    client.chat.completions
      .create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();

  it('OpenAI: without the tracker a burst meets 429s; with it, none reach the provider', async () => {
    const quota = { style: 'openai', requests: 10, tokens: 500, tokensPerRequest: 120 } as const;
    const blind = upstreamQuota(quota);
    upstream.setDefault(blind.scenario);
    const client = openai();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => ask(client)));
    // 4 requests of 120 tokens fit in 500: the provider refuses the other 6.
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(6);
    expect(blind.state.answered429).toBe(6);

    upstream.reset();
    const watched = upstreamQuota(quota);
    upstream.setDefault(watched.scenario);
    const quotas = createProviderQuotaTracker();
    const send = async (): Promise<ProviderQuotaDecision> => {
      const decision = quotas.admit('openai:gpt-4o', { tokens: 120 });
      if (!decision.allowed) return decision;
      const { response } = await ask(client);
      quotas.update('openai:gpt-4o', { headers: response.headers });
      return decision;
    };
    // The first answer teaches the quota; the burst after it is held back in this process.
    expect(await send()).toEqual({ allowed: true });
    const decisions = await Promise.all(Array.from({ length: 9 }, send));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(3);
    const held = decisions.filter((decision) => !decision.allowed);
    expect(held).toHaveLength(6);
    for (const decision of held) {
      expect(decision).toMatchObject({ limitedBy: 'tokens' });
      expect(decision.allowed === false && decision.retryAfterMs).toBeGreaterThan(0);
    }
    expect(watched.state.answered429).toBe(0);
    expect(upstream.requests).toHaveLength(4);
  });

  it('Anthropic: shrinking anthropic-ratelimit-* counts stop requests before the 429', async () => {
    const watched = upstreamQuota({
      style: 'anthropic',
      requests: 3,
      tokens: 10_000,
      tokensPerRequest: 100,
    });
    upstream.setDefault(watched.scenario);
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: upstream.anthropicBaseURL,
      maxRetries: 0,
    });
    const quotas = createProviderQuotaTracker();
    const decisions: ProviderQuotaDecision[] = [];
    for (let request = 0; request < 6; request++) {
      const decision = quotas.admit('anthropic:claude', { tokens: 100 });
      decisions.push(decision);
      if (!decision.allowed) continue;
      const { response } = await client.messages
        .create({
          model: 'claude-sonnet-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .withResponse();
      quotas.update('anthropic:claude', { headers: response.headers });
    }
    expect(decisions.map((decision) => decision.allowed)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(decisions[3]).toMatchObject({ limitedBy: 'requests' });
    expect(quotas.snapshot('anthropic:claude')?.buckets[0]).toMatchObject({
      name: 'requests',
      limit: 3,
      remaining: 0,
    });
    expect(watched.state.answered429).toBe(0);
  });

  it('Gemini: RetryInfo in a 429 body holds every request until the delay has passed', async () => {
    upstream.enqueue({ httpError: { status: 429, retryAfterSeconds: 30 } });
    const client = new GoogleGenAI({
      apiKey: 'k',
      httpOptions: { baseUrl: upstream.geminiBaseUrl, retryOptions: { attempts: 1 } },
    });
    const quotas = createProviderQuotaTracker();
    const error = await client.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((reason: unknown) => reason);
    if (!(error instanceof ApiError)) throw error;
    expect(error.status).toBe(429);
    // The SDK's error carries the response body as its message.
    quotas.update('gemini:flash', { body: error.message });
    for (let attempt = 0; attempt < 3; attempt++) {
      const decision = quotas.admit('gemini:flash');
      expect(decision).toMatchObject({ allowed: false, limitedBy: 'retry-after' });
      expect(decision.allowed === false && decision.retryAfterMs).toBeGreaterThan(25_000);
    }
    expect(upstream.requests).toHaveLength(1);
  });
});
