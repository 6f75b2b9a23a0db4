import { createMockProvider, createStreamManager } from '@breakwater/llm-stream';

const manager = createStreamManager();
const stream = manager.stream(createMockProvider({ tokensPerSecond: 50 }).source({ maxTokens: 200 }), {
  metadata: { user: 'u_42', tier: 'PRO' },
});
void stream.consume();

console.log(manager.active()); // [{ stream_id, model, provider, phase, attempts, progress_percent, ttft_ms, ... }]
console.log(manager.get(stream.id)?.progress_percent);
manager.cancel(stream.id, 'admin'); // the reader sees `cancelled`, the provider request is aborted
console.log(manager.size); // 0: ended streams leave at once

export {};
