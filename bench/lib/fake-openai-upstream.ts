import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readText } from './read-text.js';

/** Options for {@link startFakeOpenAIServer}. */
export interface FakeOpenAIServerOptions {
  /** Words in each answer. @default 20 */
  readonly words?: number;
  /** Delay between streamed chunks in milliseconds (0 = write them all at once). @default 0 */
  readonly chunkDelayMs?: number;
  /** Port to listen on, 127.0.0.1 only. @default 0 (a free port) */
  readonly port?: number;
}

/** A running fake upstream, and what it saw. */
export interface FakeOpenAIServer {
  /** Base URL for the openai client (`…/v1`). */
  readonly baseURL: string;
  readonly server: Server;
  /** Requests received so far. */
  readonly requests: number;
  /** Streaming responses whose client went away before the stream ended. */
  readonly abortedStreams: number;
  /** Streaming responses in progress. */
  readonly openStreams: number;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible chat.completions server on loopback that answers every request with
 * the same deterministic text, streamed (with a final usage chunk) or not. It stands in for a
 * provider in the tests and the benchmark.
 */
export async function startFakeOpenAIServer(
  options: FakeOpenAIServerOptions = {},
): Promise<FakeOpenAIServer> {
  const wordCount = options.words ?? 20;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const words = Array.from({ length: wordCount }, (_, index) => `word${index}`);
  const text = words.join(' ');
  let requests = 0;
  let abortedStreams = 0;
  let openStreams = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }),
      );
      return;
    }
    requests += 1;
    const body = JSON.parse(await readText(request)) as { model?: string; stream?: boolean };
    const model = body.model ?? 'gpt-4o';
    const id = `chatcmpl-${requests}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 10, completion_tokens: wordCount, total_tokens: 10 + wordCount };
    if (!body.stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' },
          ],
          usage,
        }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    openStreams += 1;
    let finished = false;
    response.on('close', () => {
      openStreams -= 1;
      if (!finished) abortedStreams += 1;
    });
    const frame = (
      delta: Record<string, unknown>,
      finishReason: string | null,
      withUsage = false,
    ) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: withUsage ? [] : [{ index: 0, delta, finish_reason: finishReason }],
        ...(withUsage ? { usage } : {}),
      })}\n\n`;
    const frames = [
      frame({ role: 'assistant', content: '' }, null),
      ...words.map((word, index) => frame({ content: index === 0 ? word : ` ${word}` }, null)),
      frame({}, 'stop'),
      frame({}, null, true),
      'data: [DONE]\n\n',
    ];
    if (chunkDelayMs === 0) {
      finished = true;
      response.end(frames.join(''));
      return;
    }
    for (const piece of frames) {
      if (response.destroyed) return;
      response.write(piece);
      await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
    }
    finished = true;
    response.end();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    server,
    get requests() {
      return requests;
    },
    get abortedStreams() {
      return abortedStreams;
    },
    get openStreams() {
      return openStreams;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
