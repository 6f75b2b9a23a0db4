import { createServer } from 'node:http';
import OpenAI from 'openai';
import { createStreamManager, openaiChatSource, pipeSse } from '@breakwater/llm-stream';

const openai = new OpenAI();
const manager = createStreamManager();

createServer((request, response) => {
  const source = openaiChatSource(openai, {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: new URL(request.url ?? '/', 'http://x').searchParams.get('q') ?? 'Hi' }],
  });
  void pipeSse(manager.stream(source), response).then((end) => {
    if (end.type === 'cancelled' && end.reason === 'client_disconnected') console.log('499', end.usage);
  });
}).listen(3000);

export {};
