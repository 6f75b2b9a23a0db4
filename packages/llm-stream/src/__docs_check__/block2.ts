import { createMockProvider, createStreamManager } from '@breakwater/llm-stream';

const stream = createStreamManager().stream(createMockProvider().source({ prompt: 'hi' }));
const end = await stream.consume(async (event) => {
  if (event.type === 'chunk') await new Promise((resolve) => setTimeout(resolve, 5)); // a slow sink
});
console.log(end.type); // 'complete'

export {};
