import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {
  anthropicSource,
  createStreamManager,
  type GuardPermit,
  type GuardRejection,
  openaiChatSource,
  type PermitGuard,
} from '@breakwater/llm-stream';

// Any object of this shape works; @breakwater/circuit-breaker's breakers have it.
declare const openaiBreaker: PermitGuard;
const alwaysOpen: PermitGuard = {
  tryAcquire: (): GuardPermit | GuardRejection => ({
    ok: false,
    error: Object.assign(new Error('maintenance'), { code: 'CIRCUIT_OPEN' }),
    retryAfterMs: 60_000,
  }),
};

const messages = [{ role: 'user' as const, content: 'Hello' }];
const manager = createStreamManager({ retry: { maxRetries: 2, baseDelayMs: 250 } });
const stream = manager.stream([
  { source: openaiChatSource(new OpenAI(), { model: 'gpt-4o', messages }), guard: openaiBreaker },
  { source: anthropicSource(new Anthropic(), { model: 'claude-sonnet-5', max_tokens: 512, messages }) },
  { source: openaiChatSource(new OpenAI(), { model: 'gpt-4o-mini', messages }), guard: alwaysOpen },
]);
manager.on('failover', (event) => console.log(`${event.from_model} → ${event.model}: ${event.code}`));
await stream.consume();

export {};
