import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';

/** How the upstream server streams one response. */
export interface UpstreamScenario {
  /** Pieces of text to stream. @default 20 */
  readonly pieces?: number;
  /** Pause before the first piece. @default 0 */
  readonly firstPieceDelayMs?: number;
  /** Pause between pieces. @default 0 */
  readonly intervalMs?: number;
  /** Characters per piece (one `x`-padded word). @default 4 */
  readonly pieceSize?: number;
}

/** One upstream response and how it ended. */
export interface UpstreamResponse {
  piecesSent: number;
  /** Resolves with true when the client closed the connection before the end, false when it completed. */
  readonly closedEarly: Promise<boolean>;
}

/** A real node:http server that streams text slowly, standing in for a provider. */
export interface HttpUpstream {
  readonly url: string;
  readonly responses: UpstreamResponse[];
  close(): Promise<void>;
}

/** Starts an upstream on 127.0.0.1 that answers every request with chunked text. */
export async function startHttpUpstream(scenario: UpstreamScenario = {}): Promise<HttpUpstream> {
  const responses: UpstreamResponse[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const pieces = Number(url.searchParams.get('pieces') ?? scenario.pieces ?? 20);
    const intervalMs = Number(url.searchParams.get('interval') ?? scenario.intervalMs ?? 0);
    const firstDelayMs = Number(url.searchParams.get('first') ?? scenario.firstPieceDelayMs ?? 0);
    const size = scenario.pieceSize ?? 4;
    let settle!: (early: boolean) => void;
    const record: UpstreamResponse = {
      piecesSent: 0,
      closedEarly: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    responses.push(record);
    let timer: ReturnType<typeof setTimeout> | undefined;
    response.on('close', () => {
      clearTimeout(timer);
      settle(!response.writableFinished);
    });
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.flushHeaders();
    const sendNext = () => {
      if (response.destroyed) return;
      if (record.piecesSent === pieces) {
        response.end();
        return;
      }
      const word = ` p${record.piecesSent}`.padEnd(size, 'x');
      record.piecesSent++;
      const writable = response.write(word);
      const delay = intervalMs;
      if (writable) timer = setTimeout(sendNext, delay);
      else response.once('drain', () => (timer = setTimeout(sendNext, delay)));
    };
    timer = setTimeout(sendNext, firstDelayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    responses,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A source that fetches `url` and yields each received body piece as text; records its signals. */
export function httpTextSource(
  url: string,
  options: { model?: string; maxTokens?: number } = {},
): ProviderStreamSource & { readonly signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    provider: 'http',
    model: options.model ?? 'http-1',
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    signals,
    async open(signal) {
      signals.push(signal);
      const response = await fetch(url, { signal });
      if (!response.ok || response.body === null) {
        throw Object.assign(new Error(`upstream ${response.status}`), { status: response.status });
      }
      const body = response.body;
      return (async function* (): AsyncGenerator<ProviderEvent> {
        const decoder = new TextDecoder();
        const reader = body.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const text = decoder.decode(value, { stream: true });
            if (text !== '') yield { type: 'text', text };
          }
        } finally {
          reader.releaseLock();
        }
        yield { type: 'finish', reason: 'stop' };
      })();
    },
  };
}

/** A source of endless big chunks that counts how many the stream pulled. */
export function countingSource(chunkChars: number): ProviderStreamSource & {
  readonly pulls: number;
} {
  let pulls = 0;
  const piece = 'x'.repeat(chunkChars);
  return {
    provider: 'counting',
    model: 'counting-1',
    get pulls() {
      return pulls;
    },
    async open(signal) {
      return (async function* (): AsyncGenerator<ProviderEvent> {
        while (!signal.aborted) {
          pulls++;
          yield { type: 'text', text: piece };
        }
      })();
    },
  };
}

/** Reads Server-Sent Events from a fetch Response until `stop` returns true or the body ends. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  stop: (events: Array<{ event: string; data: unknown }>, comments: number) => boolean = () =>
    false,
): Promise<{ events: Array<{ event: string; data: unknown }>; comments: number }> {
  const events: Array<{ event: string; data: unknown }> = [];
  let comments = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let boundary = buffer.indexOf('\n\n');
      while (boundary !== -1) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
        if (block.startsWith(':')) {
          comments++;
          continue;
        }
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        events.push({ event, data: JSON.parse(data.join('\n')) });
      }
      if (stop(events, comments)) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { events, comments };
}
