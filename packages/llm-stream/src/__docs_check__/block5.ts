import { createMockProvider, createStreamManager } from '@breakwater/llm-stream';

const manager = createStreamManager();
const stream = manager.stream(createMockProvider({ tokensPerSecond: 20 }).source(), {
  signal: AbortSignal.timeout(1000),
});
const end = await stream.consume();
if (end.type === 'cancelled') console.log(end.reason, end.usage); // 'aborted', { ..., estimated: true }

export {};
