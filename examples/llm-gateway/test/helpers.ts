import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import type { GatewayConfig } from '../src/config.js';
import { buildGateway, type Gateway } from '../src/gateway.js';

/** A fast mock model: no delays, a short deterministic answer. */
export const fastMock = (name: string, extra: Record<string, unknown> = {}) =>
  ({
    name,
    provider: 'mock',
    mock: { ttftMs: 0, tokensPerSecond: 0, outputTokens: 12, ...extra },
  }) as const;

/**
 * Made-up prices for test models, upstream id → provider (`gen_ai.provider.name`), for the
 * `prices` option: made-up ids are then priced, so no request is counted (and warned about)
 * as unpriced.
 */
export function testPrices(
  providers: Readonly<Record<string, string>>,
): NonNullable<Partial<GatewayConfig>['prices']> {
  return Object.fromEntries(
    Object.entries(providers).map(([model, provider]) => [
      model,
      { provider, inputPerToken: 1e-6, outputPerToken: 2e-6 },
    ]),
  );
}

/**
 * Starts a gateway on 127.0.0.1:0 for the file and stops it afterwards. Pass a function when
 * the config depends on something another hook starts first (a fake upstream's URL).
 */
export function useGateway(config: Partial<GatewayConfig> | (() => Partial<GatewayConfig>) = {}): {
  readonly gateway: Gateway;
  readonly url: string;
} {
  let gateway: Gateway | undefined;
  let url = '';
  beforeAll(async () => {
    gateway = await buildGateway({
      logger: false,
      models: [fastMock('mock'), fastMock('mock-backup')],
      ...(typeof config === 'function' ? config() : config),
    });
    url = await gateway.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await gateway?.close();
  });
  return {
    get gateway() {
      if (!gateway) throw new Error('useGateway(): only inside tests');
      return gateway;
    },
    get url() {
      return url;
    },
  };
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Reads an SSE body to its end (or until `stop` says so) and parses its events. */
export async function readSse(
  response: Response,
  stop?: (event: SseEvent) => boolean,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (block.startsWith(':')) continue;
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      const parsed = { event, data: data.join('\n') };
      events.push(parsed);
      if (stop?.(parsed)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

/** POSTs JSON. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** A connected WebSocket with a queue of parsed incoming messages. */
export interface TestSocket {
  readonly socket: WebSocket;
  /** The next message, waiting for it if needed. */
  next(): Promise<Record<string, unknown>>;
  /** Messages until (and including) one whose type is in `types`. */
  until(...types: string[]): Promise<Array<Record<string, unknown>>>;
  send(value: unknown): void;
  close(): Promise<void>;
}

/** Opens a WebSocket and collects its messages. */
export async function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<TestSocket> {
  const socket = new WebSocket(url, { headers });
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(value: Record<string, unknown>) => void> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (request, response) => {
      request.destroy();
      reject(new Error(`upgrade refused with ${response.statusCode}`));
    });
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no WebSocket message within 10 s')), 10_000);
      waiters.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  return {
    socket,
    next,
    async until(...types) {
      const seen: Array<Record<string, unknown>> = [];
      for (;;) {
        const message = await next();
        seen.push(message);
        if (types.includes(String(message.type))) return seen;
      }
    },
    send: (value) => socket.send(JSON.stringify(value)),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** Polls `check` every 10 ms until it holds or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
