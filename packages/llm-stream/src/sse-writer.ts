import type { ManagedStream } from './managed-stream.js';
import type { StreamEndEvent, StreamEvent } from './stream-event.js';
import { toWireEvent } from './wire-event.js';

/**
 * What happens to the upstream when the client goes away: `cancel` aborts it at once (saves
 * tokens; usage is estimated), `drain` reads it to the end without sending (exact usage, for
 * providers that bill the whole generation anyway).
 */
export type DisconnectPolicy = 'cancel' | 'drain';

/** One Server-Sent Events message. */
export interface SseMessage {
  /** The `event:` field; omitted when undefined. */
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/** Options shared by {@link pipeSse} and {@link toSseResponse}. */
export interface SseOptions {
  /** Interval of `: ping` comments that keep proxies from closing an idle stream; 0 turns them off. @default 15000 */
  readonly heartbeatMs?: number;
  /** @default 'cancel' */
  readonly onDisconnect?: DisconnectPolicy;
  /** Extra response headers (they override the SSE defaults). @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Turns an event into a message (or raw SSE text), or null to skip it; use it to speak another
   * wire format, such as OpenAI-compatible chunks.
   * @default `event: <type>` and `data: <JSON of the event without its error object>`
   */
  readonly serialize?: (event: StreamEvent) => SseMessage | string | null;
}

/** The few members of a node:http `ServerResponse` (Express's `res` is one) the SSE writer uses. */
export interface SseNodeResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  flushHeaders?(): void;
  /** Set by compression middleware: pushes compressed bytes out now. */
  flush?(): void;
}

/** A Fastify reply: the writer hijacks it and writes to `reply.raw`. */
export interface SseFastifyReply {
  readonly raw: SseNodeResponse;
  hijack(): unknown;
}

/** Headers every SSE response gets (x-accel-buffering stops nginx from holding chunks back). */
export const sseHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
});

const heartbeatComment = ': ping\n\n';

/** Encodes one SSE message; multi-line data becomes several `data:` lines. */
export function formatSseMessage(message: SseMessage): string {
  let text = '';
  if (message.event !== undefined) text += `event: ${message.event}\n`;
  if (message.id !== undefined) text += `id: ${message.id}\n`;
  const data = message.data;
  text +=
    data.indexOf('\n') === -1
      ? `data: ${data}\n\n`
      : `data: ${data.split(/\r?\n/).join('\ndata: ')}\n\n`;
  return text;
}

/** The default serializer: `event: <type>` plus the event as JSON. */
export function serializeSseEvent(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(toWireEvent(event))}\n\n`;
}

function encode(event: StreamEvent, serialize: SseOptions['serialize']): string | null {
  if (serialize === undefined) return serializeSseEvent(event);
  const message = serialize(event);
  if (message === null) return null;
  return typeof message === 'string' ? message : formatSseMessage(message);
}

function validate(options: SseOptions): { heartbeatMs: number; onDisconnect: DisconnectPolicy } {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const onDisconnect = options.onDisconnect ?? 'cancel';
  if (!(heartbeatMs >= 0) || !Number.isFinite(heartbeatMs)) {
    throw new RangeError(`heartbeatMs must be a finite number ≥ 0, got ${heartbeatMs}`);
  }
  if (onDisconnect !== 'cancel' && onDisconnect !== 'drain') {
    throw new RangeError(`onDisconnect must be 'cancel' or 'drain', got ${String(onDisconnect)}`);
  }
  return { heartbeatMs, onDisconnect };
}

/**
 * Streams events as Server-Sent Events to a node:http response, an Express `res` or a Fastify
 * `reply`. It writes only as fast as the socket drains (`write()` returning false waits for
 * `'drain'`), so a slow client slows the upstream; a client that closes the connection before the
 * end cancels the stream (and its upstream request) in the same event-loop turn, or drains it with
 * `onDisconnect: 'drain'`. Resolves with the stream's end event.
 */
export async function pipeSse(
  stream: ManagedStream,
  target: SseNodeResponse | SseFastifyReply,
  options: SseOptions = {},
): Promise<StreamEndEvent> {
  const { heartbeatMs, onDisconnect } = validate(options);
  const response =
    'hijack' in target && typeof target.hijack === 'function'
      ? hijack(target)
      : (target as SseNodeResponse);
  let gone = false;
  let finished = false;
  let reading = false;
  let wakeWriter: (() => void) | null = null;

  const onClose = () => {
    if (finished) return;
    gone = true;
    wakeWriter?.();
    if (onDisconnect === 'cancel') stream.cancel('client_disconnected');
  };
  const onDrain = () => wakeWriter?.();
  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      wakeWriter = () => {
        wakeWriter = null;
        resolve();
      };
    });
  // Node sends what one tick writes to a response in one system call. The headers wait for the
  // first event of this tick to go out with it; when nothing is written in this tick they are
  // flushed on their own on the next one, so the client still sees the stream open at once.
  // (No cork() of our own: Node 22 drops what a response still holds corked when it ends.)
  const write = (text: string): boolean => {
    const writable = response.write(text);
    response.flush?.();
    return writable;
  };
  response.on('close', onClose);
  response.on('drain', onDrain);
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  try {
    if (!response.headersSent) {
      response.statusCode = 200;
      const isHttp2 =
        (response as { req?: { httpVersionMajor?: number } }).req?.httpVersionMajor === 2;
      for (const [name, value] of Object.entries({ ...sseHeaders, ...options.headers })) {
        if (isHttp2 && name === 'connection') continue;
        response.setHeader(name, value);
      }
      process.nextTick(() => {
        if (!response.headersSent && !response.writableEnded) response.flushHeaders?.();
      });
    }
    if (heartbeatMs > 0) {
      heartbeat = setInterval(() => {
        // A ping is only useful on an idle, writable connection; under backpressure it would queue.
        if (!gone && wakeWriter === null && !response.writableEnded) {
          write(heartbeatComment);
        }
      }, heartbeatMs);
      heartbeat.unref?.();
    }
    // The callback returns a promise only while the socket is full: reading (and the upstream) waits.
    return await stream.consume((event) => {
      reading = true;
      if (gone) return;
      const text = encode(event, options.serialize);
      if (text === null) return;
      const writable = write(text);
      return writable ? undefined : waitForDrain();
    });
  } finally {
    finished = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    response.off('close', onClose);
    response.off('drain', onDrain);
    // An early exit (a throwing serializer) must not leave the upstream open; a stream that
    // already had another reader is not ours to cancel.
    if (reading) stream.cancel('consumer_stopped');
    if (!gone && !response.writableEnded) response.end();
  }
}

function hijack(reply: SseFastifyReply): SseNodeResponse {
  reply.hijack();
  return reply.raw;
}

/** Options for {@link toSseResponse}. */
export interface SseResponseOptions extends SseOptions {
  /** The request's signal (`request.signal`): its abort counts as a client disconnect. */
  readonly signal?: AbortSignal;
  /** @default 200 */
  readonly status?: number;
}

/**
 * Streams events as a Web `Response` (for fetch-style servers: Hono, Next.js route handlers,
 * Bun, Deno). The body is pulled: the upstream is read only when the body is, and cancelling the
 * body (or aborting `signal`) cancels the stream.
 */
export function toSseResponse(stream: ManagedStream, options: SseResponseOptions = {}): Response {
  const { heartbeatMs, onDisconnect } = validate(options);
  const encoder = new TextEncoder();
  const iterator = stream[Symbol.asyncIterator]();
  const ping = encoder.encode(heartbeatComment);
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
    options.signal?.removeEventListener('abort', onAbort);
  };
  const disconnect = () => {
    stop();
    if (onDisconnect === 'cancel') stream.cancel('client_disconnected');
    else
      void iterator.next().then(function drain(result): unknown {
        return result.done ? undefined : iterator.next().then(drain);
      });
  };
  const onAbort = () => disconnect();
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (options.signal?.aborted) {
          disconnect();
          return;
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
        if (heartbeatMs > 0) {
          heartbeat = setInterval(() => {
            // Only when the queue is empty, so an unread body holds at most one ping.
            if ((controller.desiredSize ?? -1) >= 0) controller.enqueue(ping);
          }, heartbeatMs);
          heartbeat.unref?.();
        }
      },
      async pull(controller) {
        for (;;) {
          const result = await iterator.next();
          if (result.done) {
            stop();
            controller.close();
            return;
          }
          const text = encode(result.value, options.serialize);
          if (text !== null) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
      cancel() {
        disconnect();
      },
    },
    { highWaterMark: 0 },
  );
  const headers = new Headers({ ...sseHeaders, ...options.headers });
  headers.delete('connection');
  return new Response(body, { status: options.status ?? 200, headers });
}
