import { createSimulatedSource, createStreamManager } from '@breakwater/llm-stream';

const cached = createSimulatedSource({
  model: 'gpt-4o-mini',
  reply: { text: 'Harbours hold still water.', inputTokens: 12, outputTokens: 6 },
  chunkSize: 'word', // or 'line', or a number of characters
  chunkDelayMs: 15,
});
const end = await createStreamManager().stream(cached).consume();
console.log(end.type === 'complete' && end.usage); // exact: { input_tokens: 12, output_tokens: 6, estimated: false }

export {};
