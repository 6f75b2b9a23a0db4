import { createMockProvider, createStreamManager } from '@breakwater/llm-stream';

const mock = createMockProvider({
  model: 'mock-1',
  seed: 7,
  latencyMs: 120, // until the request is accepted
  ttftMs: 300, // then until the first token
  tokensPerSecond: 60,
  outputTokens: 200,
  failureRate: 0.05, // 503 before the first token
  rateLimitRate: 0.05, // 429 with Retry-After
  retryAfterMs: 2000,
  midStreamFailureRate: 0.01, // fails halfway through the reply
  usage: 'cumulative', // like Gemini; 'final' like OpenAI; 'none'
});
const end = await createStreamManager().stream(mock.source({ prompt: 'hi', maxTokens: 100 })).consume();
console.log(end.type, mock.stats, mock.openStreams);

export {};
