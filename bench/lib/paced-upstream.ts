/**
 * A mock OpenAI-compatible upstream for the scale benchmark: every streaming
 * `POST …/chat/completions` gets `max_completion_tokens` (or `max_tokens`) content chunks, `tokensPerSecond` of them per
 * second, then a finish chunk, a usage chunk and `[DONE]`. Each token carries its sequence number and the
 * time it was written (`w<seq>@<epoch ms>`), so a client can check that every chunk arrived
 * and how long it took.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options for {@link startPacedUpstream}. */
export interface PacedUpstreamOptions {
  /** Content chunks per second of each stream. */
  readonly tokensPerSecond: number;
}

/** The current time in epoch milliseconds with sub-millisecond precision. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The token format the upstream writes and the load generator parses. */
export const TOKEN_PATTERN = /w(\d+)@(\d+\.\d+)/g;

/** Starts the upstream on 127.0.0.1; resolves with its base URL (ending in `/v1`). */
export async function startPacedUpstream(
  options: PacedUpstreamOptions,
): Promise<{ url: string; server: Server }> {
  const intervalMs = 1000 / options.tokensPerSecond;
  const server = createServer((request, response) => {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => {
      body += piece;
    });
    request.on('end', () => {
      const limits = JSON.parse(body) as { max_tokens?: number; max_completion_tokens?: number };
      const tokens = limits.max_completion_tokens ?? limits.max_tokens ?? 1;
      stream(response, tokens);
    });
  });
  const stream = (response: ServerResponse, tokens: number) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const frame = (choice: Record<string, unknown> | undefined, usage?: Record<string, number>) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-scale',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'scale-upstream',
        choices: choice ? [choice] : [],
        ...(usage ? { usage } : {}),
      })}\n\n`;
    response.write(
      frame({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }),
    );
    let sent = 0;
    const timer = setInterval(() => {
      const content = ` w${sent}@${preciseNow().toFixed(3)}`;
      response.write(frame({ index: 0, delta: { content }, finish_reason: null }));
      sent++;
      if (sent < tokens) return;
      clearInterval(timer);
      response.write(frame({ index: 0, delta: {}, finish_reason: 'stop' }));
      response.write(
        frame(undefined, { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 }),
      );
      response.end('data: [DONE]\n\n');
    }, intervalMs);
    response.on('close', () => clearInterval(timer));
  };
  server.keepAliveTimeout = 60_000;
  // Many connections arrive at once during the ramp.
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}
