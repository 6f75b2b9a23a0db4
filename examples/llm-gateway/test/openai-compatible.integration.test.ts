import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CHUNKS, useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleClient,
  OpenAICompatibleError,
} from '../src/openai-compatible-client.js';
import { eventually, postJson, readSse, testPrices, useGateway } from './helpers.js';

const auth = { authorization: 'Bearer sk-ivan' };

describe('the openai-compatible provider (lean client, no SDK) against an OpenAI wire-format server', () => {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [{ key: 'sk-ivan', userId: 'ivan', tier: 'ENTERPRISE' }],
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
    retry: false,
    prices: testPrices({ 'llama-3.1-8b': 'openai' }),
    models: [
      {
        name: 'local-llama',
        provider: 'openai-compatible',
        upstreamModel: 'llama-3.1-8b',
        apiKeyEnv: 'LOCAL_API_KEY',
        baseUrlEnv: 'LOCAL_BASE_URL',
      },
      { name: 'mock', provider: 'mock' },
    ],
    env: { LOCAL_API_KEY: 'test-local-key', LOCAL_BASE_URL: upstream.openaiBaseURL },
  }));

  it('serves the official openai client, streaming and not, with the upstream usage', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-ivan', maxRetries: 0 });
    upstream.enqueue({ usage: { inputTokens: 13, outputTokens: DEFAULT_CHUNKS.length } });
    const completion = await client.chat.completions.create({
      model: 'local-llama',
      messages: [{ role: 'user', content: 'relay me' }],
      max_tokens: 64,
    });
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_CHUNKS.join(''));
    expect(completion.usage).toMatchObject({
      prompt_tokens: 13,
      completion_tokens: DEFAULT_CHUNKS.length,
    });
    const [request] = upstream.requests;
    // The whole answer was asked for, so the upstream is asked without streaming.
    expect(request).toMatchObject({ provider: 'openai', model: 'llama-3.1-8b', stream: false });
    expect(request!.body).toMatchObject({ max_completion_tokens: 64 });
    expect(request!.headers.authorization).toBe('Bearer test-local-key');

    const stream = await client.chat.completions.create({
      model: 'local-llama',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(DEFAULT_CHUNKS.join(''));
    expect(upstream.requests[1]).toMatchObject({ model: 'llama-3.1-8b', stream: true });
  });

  it('answers a non-streaming call with the whole body, and its errors like the streaming ones', async () => {
    const client = createOpenAICompatibleClient({
      apiKey: 'test-local-key',
      baseURL: upstream.openaiBaseURL,
    });
    try {
      upstream.enqueue({ usage: { inputTokens: 5, outputTokens: 2 } });
      const completion = await client.complete({
        model: 'llama-3.1-8b',
        messages: [{ role: 'user', content: 'whole' }],
      });
      expect(completion.choices?.[0]).toMatchObject({
        message: { content: DEFAULT_CHUNKS.join('') },
        finish_reason: 'stop',
      });
      expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2 });
      upstream.enqueue({ httpError: { status: 500 } });
      await expect(client.complete({ model: 'llama-3.1-8b', messages: [] })).rejects.toMatchObject({
        name: 'APIError',
        status: 500,
      });
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      await expect(
        client.complete({ model: 'llama-3.1-8b', messages: [] }, { signal: controller.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      client.close();
    }
  });

  it('fails over to the next model when the upstream answers 503, counting a breaker failure', async () => {
    upstream.enqueue({ httpError: { status: 503 } });
    const response = await postJson(
      `${server.url}/api/chat`,
      { message: 'fail over', model: 'local-llama' },
      auth,
    );
    const end = JSON.parse((await readSse(response)).at(-1)!.data);
    expect(end).toMatchObject({ type: 'complete', provider: 'mock' });
    expect(
      server.gateway.breakers.get('ai_model_local-llama').snapshot().metrics.totalFailures,
    ).toBeGreaterThanOrEqual(1);
  });

  it('closes the upstream connection when the client disconnects', async () => {
    upstream.enqueue({
      chunks: Array.from({ length: 200 }, (_, index) => `w${index} `),
      chunkDelayMs: 20,
    });
    const before = upstream.requests.length;
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ message: 'go on', model: 'local-llama' }),
      signal: controller.signal,
    });
    await readSse(response, (event) => event.event === 'chunk');
    controller.abort();
    const requests = await upstream.waitForRequests(before + 1);
    const request = requests[before]!;
    expect(await request.finished).toBe('client-closed');
    expect(request.chunksSent).toBeLessThan(200);
    await eventually(() => server.gateway.streams.size === 0, 'the stream to end');
  });

  it('rejects a 200 whose body is an error object, like an error frame in a stream', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: 'model overloaded', type: 'server_error' } }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = createOpenAICompatibleClient({
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${port}/v1`,
    });
    try {
      await expect(client.complete({ model: 'm', messages: [] })).rejects.toMatchObject({
        name: 'APIError',
        status: 500,
        message: '500 model overloaded',
      });
    } finally {
      client.close();
      server.close();
    }
  });

  it('rejects HTTP errors as an APIError-shaped error with status, headers and body', async () => {
    const client = createOpenAICompatibleClient({
      apiKey: 'test-local-key',
      baseURL: upstream.openaiBaseURL,
    });
    try {
      upstream.enqueue({ httpError: { status: 429, retryAfterSeconds: 7 } });
      const error = await client.chat.completions
        .create({ model: 'llama-3.1-8b', messages: [], stream: true })
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(error).toBeInstanceOf(OpenAICompatibleError);
      expect(error).toMatchObject({ name: 'APIError', status: 429 });
      expect((error as OpenAICompatibleError).headers['retry-after']).toBe('7');
      await expect(
        client.chat.completions.create({ model: 'llama-3.1-8b', messages: [], stream: false }),
      ).rejects.toThrow(TypeError);
      expect(() => createOpenAICompatibleClient({ apiKey: 'k', maxSockets: 0 })).toThrow(
        new RangeError('maxSockets must be an integer ≥ 1, got 0'),
      );
    } finally {
      client.close();
    }
  });
});
