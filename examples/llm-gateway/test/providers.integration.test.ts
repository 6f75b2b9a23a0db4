import { DEFAULT_CHUNKS, useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { eventually, postJson, readSse, testPrices, useGateway } from './helpers.js';

const auth = { authorization: 'Bearer sk-ivan' };

describe('real provider SDKs behind the gateway (against a local server speaking their wire formats)', () => {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [{ key: 'sk-ivan', userId: 'ivan', tier: 'ENTERPRISE' }],
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
    retry: false,
    prices: testPrices({ 'claude-sonnet-5-5': 'anthropic', 'gemini-pro-latest': 'gcp.gemini' }),
    models: [
      {
        name: 'gpt-4o',
        provider: 'openai',
        apiKeyEnv: 'OPENAI_API_KEY',
        baseUrlEnv: 'OPENAI_BASE_URL',
      },
      {
        name: 'claude-3-sonnet',
        provider: 'anthropic',
        upstreamModel: 'claude-sonnet-5-5',
        apiKeyEnv: 'ANTHROPIC_API_KEY',
        baseUrlEnv: 'ANTHROPIC_BASE_URL',
      },
      {
        name: 'gemini-pro',
        provider: 'gemini',
        upstreamModel: 'gemini-pro-latest',
        apiKeyEnv: 'GEMINI_API_KEY',
        baseUrlEnv: 'GEMINI_BASE_URL',
      },
      { name: 'mock', provider: 'mock' },
    ],
    env: {
      OPENAI_API_KEY: 'test-openai-key',
      OPENAI_BASE_URL: upstream.openaiBaseURL,
      ANTHROPIC_API_KEY: 'test-anthropic-key',
      ANTHROPIC_BASE_URL: upstream.anthropicBaseURL,
      GEMINI_API_KEY: 'test-gemini-key',
      GEMINI_BASE_URL: upstream.geminiBaseUrl,
    },
  }));

  it.each([
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['claude-3-sonnet', 'anthropic', 'claude-sonnet-5-5'],
    ['gemini-pro', 'gemini', 'gemini-pro-latest'],
  ])(
    'streams %s through the %s SDK with its reported usage',
    async (model, provider, upstreamModel) => {
      upstream.enqueue({ usage: { inputTokens: 21, outputTokens: DEFAULT_CHUNKS.length } });
      const response = await postJson(
        `${server.url}/api/chat`,
        { message: `hello ${model}`, model, system: 'Be brief.' },
        auth,
      );
      const events = await readSse(response);
      const text = events
        .filter((event) => event.event === 'chunk')
        .map((event) => JSON.parse(event.data).content)
        .join('');
      expect(text).toBe(DEFAULT_CHUNKS.join(''));
      const end = JSON.parse(events.at(-1)!.data);
      expect(end).toMatchObject({
        type: 'complete',
        provider,
        model: upstreamModel,
        usage: { input_tokens: 21, output_tokens: DEFAULT_CHUNKS.length, estimated: false },
      });
      const [request] = upstream.requests;
      expect(request).toMatchObject({ provider, model: upstreamModel, stream: true });
      expect(JSON.stringify(request!.body)).toContain(`hello ${model}`);
      expect(JSON.stringify(request!.body)).toContain('Be brief.');
    },
  );

  it('serves the official openai client end to end through an upstream OpenAI model', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-ivan', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'relay me' }],
      max_tokens: 64,
    });
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_CHUNKS.join(''));
    // A client that takes the whole answer is served by one non-streaming upstream call.
    expect(upstream.requests[0]).toMatchObject({ provider: 'openai', stream: false });
    expect(upstream.requests[0]?.body).toMatchObject({ max_completion_tokens: 64 });
  });

  it('fails a non-streaming request over to the next model when the provider answers 503', async () => {
    upstream.enqueue({ httpError: { status: 503 } });
    const failuresBefore = server.gateway.breakers.get('ai_model_gpt-4o').snapshot()
      .metrics.totalFailures;
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-ivan', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'fail over, whole answer' }],
    });
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_CHUNKS.join(''));
    expect(upstream.requests.map((request) => [request.provider, request.stream])).toEqual([
      ['openai', false],
      ['anthropic', true],
    ]);
    expect(server.gateway.breakers.get('ai_model_gpt-4o').snapshot().metrics.totalFailures).toBe(
      failuresBefore + 1,
    );
  });

  it('fails over to the next model when a provider answers 503 before the first token', async () => {
    const failuresBefore = server.gateway.breakers.get('ai_model_gpt-4o').snapshot()
      .metrics.totalFailures;
    upstream.enqueue({ httpError: { status: 503 } });
    const response = await postJson(
      `${server.url}/api/chat`,
      { message: 'fail over', model: 'gpt-4o' },
      auth,
    );
    const end = JSON.parse((await readSse(response)).at(-1)!.data);
    expect(end).toMatchObject({ type: 'complete', provider: 'anthropic' });
    expect(upstream.requests.map((request) => request.provider)).toEqual(['openai', 'anthropic']);
    expect(server.gateway.breakers.get('ai_model_gpt-4o').snapshot().metrics.totalFailures).toBe(
      failuresBefore + 1,
    );
  });

  it('closes the upstream connection when the client disconnects', async () => {
    upstream.enqueue({
      chunks: Array.from({ length: 200 }, (_, index) => `w${index} `),
      chunkDelayMs: 20,
    });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ message: 'go on', model: 'claude-3-sonnet' }),
      signal: controller.signal,
    });
    await readSse(response, (event) => event.event === 'chunk');
    controller.abort();
    const [request] = await upstream.waitForRequests(1);
    expect(await request!.finished).toBe('client-closed');
    expect(request!.chunksSent).toBeLessThan(200);
    await eventually(() => server.gateway.streams.size === 0, 'the stream to end');
  });
});
