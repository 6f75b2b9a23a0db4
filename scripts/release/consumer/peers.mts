// The optional peers at one end of their declared ranges (lowest or highest versions), each
// driven through the package that accepts it: the SDKs against a local server speaking their
// wire formats, the AI SDK through the middleware, ioredis against a real redis-server,
// prom-client through the metric set and @opentelemetry/api through the tracing entry point.
import { strict as assert } from 'node:assert';
import Anthropic from '@anthropic-ai/sdk';
import { createBreakerRegistry, createRedisBreakerStore } from '@breakwater/circuit-breaker';
import {
  anthropicSource,
  createStreamManager,
  geminiSource,
  openaiChatSource,
  openaiResponsesSource,
  type ProviderStreamSource,
} from '@breakwater/llm-stream';
import { breakwaterMiddleware } from '@breakwater/llm-stream/ai-sdk';
import { createMetrics, instrumentStreams } from '@breakwater/metrics';
import { traceStreams } from '@breakwater/metrics/tracing';
import { createRateLimiter, createRedisStore } from '@breakwater/rate-limit';
import { GoogleGenAI } from '@google/genai';
import { simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';

const llmUrl = required('FAKE_LLM_URL');
const redisUrl = required('REDIS_URL');
const messages = [{ role: 'user' as const, content: 'Say hello' }];

const openai = new OpenAI({ apiKey: 'test', baseURL: `${llmUrl}/v1`, maxRetries: 0 });
const anthropic = new Anthropic({ apiKey: 'test', baseURL: llmUrl, maxRetries: 0 });
const gemini = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: llmUrl } });
const sources: Record<string, ProviderStreamSource> = {
  'openai chat': openaiChatSource(openai, { model: 'gpt-4o-mini', messages }),
  'openai responses': openaiResponsesSource(openai, { model: 'gpt-4o-mini', input: 'Say hello' }),
  anthropic: anthropicSource(anthropic, { model: 'claude-sonnet-4-6', max_tokens: 64, messages }),
  gemini: geminiSource(gemini, { model: 'gemini-2.5-flash', contents: 'Say hello' }),
};

const metrics = createMetrics();
const streams = createStreamManager({ buffer: false });
const stopStreams = instrumentStreams(metrics, streams);
const stopTracing = traceStreams(streams);
for (const [name, source] of Object.entries(sources)) {
  const end = await streams.stream(source).consume();
  assert.equal(end.type, 'complete', `${name}: ${JSON.stringify(end)}`);
  console.log(`${name}: complete`);
}

const aiSdkModel = new MockLanguageModelV3({
  provider: 'mock-provider',
  modelId: 'gpt-4o-mini',
  doStream: async () => ({
    stream: simulateReadableStream({
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Hello from the AI SDK' },
        { type: 'text-end', id: 't' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
            outputTokens: { total: 5, text: undefined, reasoning: undefined },
          },
        },
      ],
    }),
  }),
});
const wrapped = wrapLanguageModel({
  model: aiSdkModel,
  middleware: breakwaterMiddleware({ manager: streams }),
});
assert.equal(await streamText({ model: wrapped, prompt: 'Hi' }).text, 'Hello from the AI SDK');
console.log('ai sdk middleware: complete');
stopTracing();
stopStreams();
assert.match(await metrics.metrics(), /model="gpt-4o-mini"/);

const redis = new Redis(redisUrl);
try {
  const limiter = createRateLimiter({ store: createRedisStore({ client: redis }) });
  const reservation = await limiter.reserve('user-1', { tier: 'FREE', estimate: 20 });
  assert.equal(reservation.allowed, true);
  await reservation.commit(12);
  const breakers = createBreakerRegistry({
    defaults: { store: createRedisBreakerStore({ client: redis }) },
  });
  assert.equal(await breakers.get('redis').execute(async () => 'ok'), 'ok');
  breakers.dispose();
  console.log('ioredis: rate-limit and circuit-breaker stores ok');
} finally {
  redis.disconnect();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
