// The optional peers at one end of their declared ranges (lowest or highest versions), each
// driven through the package that accepts it: the SDKs against a local server speaking their
// wire formats, ioredis against a real redis-server, prom-client through the metric set.
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
import { createMetrics, instrumentStreams } from '@breakwater/metrics';
import { createRateLimiter, createRedisStore } from '@breakwater/rate-limit';
import { GoogleGenAI } from '@google/genai';
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
for (const [name, source] of Object.entries(sources)) {
  const end = await streams.stream(source).consume();
  assert.equal(end.type, 'complete', `${name}: ${JSON.stringify(end)}`);
  console.log(`${name}: complete`);
}
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
