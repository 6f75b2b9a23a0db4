import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

const apiKeys = [
  { key: 'sk-test-alice', userId: 'alice', tier: 'PRO' },
  { key: 'sk-test-bob', userId: 'bob', tier: 'PRO' },
];

describe('POST /v1/chat/completions with the official openai client', () => {
  const server = useGateway({ apiKeys });
  const client = (apiKey = 'sk-test-alice') =>
    new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

  it('answers a non-streaming completion with text, finish reason and usage', async () => {
    const completion = await client().chat.completions.create({
      model: 'mock',
      messages: [{ role: 'user', content: 'Say something about breakwaters.' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('mock');
    const answer = completion.choices[0]?.message.content ?? '';
    expect(answer.split(' ')).toHaveLength(12);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it('streams chunks the client reassembles into the same answer, with a final usage chunk', async () => {
    const messages = [{ role: 'user' as const, content: 'Stream a reply, please.' }];
    const stream = await client('sk-test-bob').chat.completions.create({
      model: 'mock',
      messages,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.split(' ')).toHaveLength(12);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(12);

    // The same prompt again (temperature 0) is a response-cache hit with the same text.
    const opened = server.gateway.catalog.get('mock')!.mock!.stats.opened;
    const again = await client('sk-test-bob').chat.completions.create({
      model: 'mock',
      messages,
      temperature: 0,
    });
    expect(again.choices[0]?.message.content).toBe(text);
    expect(server.gateway.catalog.get('mock')!.mock!.stats.opened).toBe(opened);
  });

  it('sends rate-limit headers on every completion', async () => {
    const response = await postJson(
      `${server.url}/v1/chat/completions`,
      { messages: [{ role: 'user', content: 'headers?' }] },
      { authorization: 'Bearer sk-test-alice' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-policy')).toContain('"minute";q=100;w=60');
    expect(response.headers.get('ratelimit')).toMatch(/"minute";r=\d+;t=\d+/);
    expect(response.headers.get('ratelimit-policy')).toContain('breakwater-unit="tokens"');
  });

  it('answers an unknown model with a 404 problem the openai client raises as NotFoundError', async () => {
    const error = await client()
      .chat.completions.create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const response = await postJson(
      `${server.url}/v1/chat/completions`,
      { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: 'Bearer sk-test-alice' },
    );
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await response.json()).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('refuses an unknown API key with 401 and problem+json', async () => {
    const error = await client('sk-wrong')
      .chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], model: 'mock' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
