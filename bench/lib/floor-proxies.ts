/**
 * The two floors the gateway is measured against: what a Node.js proxy costs per request with no
 * features at all, forwarding bytes (the floor) or reading and rewriting them as any gateway that
 * understands the API must (the rewriting floor).
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { readText } from './read-text.js';

/**
 * The floor: the least a Node.js proxy can do per request (node:http in and out, a keep-alive
 * pool, the body forwarded as it came, the answer piped back) with no identity, limits,
 * breaker, stream handling or metrics: a practical ceiling for a Node.js gateway here.
 */
export async function startFloorProxy(upstreamUrl: string): Promise<string> {
  const post = upstreamPoster(upstreamUrl);
  const server = createServer((incoming, outgoing) => {
    const upstream = post(
      incoming.headers['content-length']
        ? { 'content-length': incoming.headers['content-length'] }
        : {},
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
        });
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  return listen(server);
}

/** Listens on a free loopback port with long keep-alive; resolves with the base URL. */
async function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** POSTs to the upstream's chat completions over a keep-alive pool, as the gateway's key. */
function upstreamPoster(upstreamUrl: string) {
  const target = new URL(`${upstreamUrl}/chat/completions`);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return (headers: Record<string, string | number>, onAnswer: (answer: IncomingMessage) => void) =>
    request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer sk-upstream',
          ...headers,
        },
      },
      onAnswer,
    );
}

interface ChatRequest {
  readonly model: string;
  readonly messages: unknown;
  readonly max_tokens?: number;
  readonly stream?: boolean;
}

interface ChatCompletion {
  readonly choices: ReadonlyArray<{
    readonly message?: { readonly content?: string | null };
    readonly finish_reason?: string | null;
  }>;
  readonly usage?: unknown;
}

/**
 * The rewriting floor: the work any gateway that reads the API must do, and nothing else. It
 * parses the client's JSON, sends a new request of its own to the upstream, parses the answer
 * (the JSON body, or every SSE frame's JSON) and writes a new body or new frames, over node:http
 * in and out with a keep-alive pool. No identity, limits, breaker, managed stream, metrics,
 * framework or validation: what the gateway costs above this row is what its features cost.
 */
export async function startRewritingProxy(upstreamUrl: string): Promise<string> {
  const post = upstreamPoster(upstreamUrl);
  let served = 0;
  const server = createServer(async (incoming, outgoing) => {
    const asked = JSON.parse(await readText(incoming)) as ChatRequest;
    const stream = asked.stream === true;
    const payload = JSON.stringify({
      model: asked.model,
      messages: asked.messages,
      ...(asked.max_tokens === undefined ? {} : { max_tokens: asked.max_tokens }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    const id = `chatcmpl-${++served}`;
    const upstream = post({ 'content-length': Buffer.byteLength(payload) }, (answer) => {
      if (stream) relayFrames(answer, outgoing, id);
      else void answerWhole(answer, outgoing, id, asked.model);
    });
    upstream.on('error', () => outgoing.destroy());
    upstream.end(payload);
  });
  return listen(server);
}

/** Non-streaming: the upstream's JSON parsed, a new `chat.completion` written. */
async function answerWhole(
  answer: IncomingMessage,
  outgoing: ServerResponse,
  id: string,
  model: string,
): Promise<void> {
  const completion = JSON.parse(await readText(answer)) as ChatCompletion;
  const choice = completion.choices[0];
  const body = JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: choice?.message?.content ?? '' },
        finish_reason: choice?.finish_reason ?? 'stop',
      },
    ],
    usage: completion.usage,
  });
  outgoing.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  outgoing.end(body);
}

/** Streaming: every upstream frame's JSON parsed and written again as a frame of this proxy's own. */
function relayFrames(answer: IncomingMessage, outgoing: ServerResponse, id: string): void {
  outgoing.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let buffer = '';
  answer.setEncoding('utf8');
  answer.on('data', (piece: string) => {
    buffer += piece;
    let boundary = buffer.indexOf('\n');
    while (boundary !== -1) {
      const line = buffer.slice(0, boundary).trimEnd();
      buffer = buffer.slice(boundary + 1);
      boundary = buffer.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') {
        outgoing.write('data: [DONE]\n\n');
        continue;
      }
      const chunk = JSON.parse(data) as Record<string, unknown>;
      outgoing.write(`data: ${JSON.stringify({ ...chunk, id })}\n\n`);
    }
  });
  answer.once('end', () => outgoing.end());
}
