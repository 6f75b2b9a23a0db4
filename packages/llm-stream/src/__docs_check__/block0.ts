import OpenAI from 'openai';
import { createStreamManager, openaiChatSource } from '@breakwater/llm-stream';

const manager = createStreamManager();
const stream = manager.stream(
  openaiChatSource(new OpenAI(), {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Write a haiku about harbours' }],
    max_completion_tokens: 256,
  }),
);

for await (const event of stream) {
  if (event.type === 'chunk') process.stdout.write(event.content);
  if (event.type === 'complete') console.log('\n', event.usage, `${event.tokens_per_second} tok/s`);
  if (event.type === 'error') console.error(event.code, event.message);
}

export {};
