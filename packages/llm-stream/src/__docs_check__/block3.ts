import { createMockProvider, createStreamManager } from '@breakwater/llm-stream';

const manager = createStreamManager({ buffer: { tokens: 20, maxDelayMs: 100 } });
const smooth = manager.stream(createMockProvider().source(), { buffer: { tokens: 3 } });
const raw = manager.stream(createMockProvider().source(), { buffer: false });
await Promise.all([smooth.consume(), raw.consume()]);

export {};
