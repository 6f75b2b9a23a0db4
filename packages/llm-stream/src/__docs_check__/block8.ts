import Fastify from 'fastify';
import { createMockProvider, createStreamManager, pipeSse, toSseResponse } from '@breakwater/llm-stream';

const manager = createStreamManager();
const mock = createMockProvider({ tokensPerSecond: 40 });

const app = Fastify();
app.get('/fastify', (_request, reply) => {
  void pipeSse(manager.stream(mock.source()), reply); // hijacks the reply and writes to reply.raw
});

// Fetch-style handlers: the body is pulled, and cancelling it (or request.signal) cancels the stream.
export function GET(request: Request): Response {
  return toSseResponse(manager.stream(mock.source()), { signal: request.signal });
}

export {};
