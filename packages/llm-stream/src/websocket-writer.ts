import type { ManagedStream } from './managed-stream.js';
import type { DisconnectPolicy } from './sse-writer.js';
import type { StreamEndEvent, StreamEvent } from './stream-event.js';
import { toWireEvent } from './wire-event.js';

/**
 * The members of a `ws` WebSocket the writer uses. `send`'s callback (called once the frame is
 * handed to the socket) and `on`/`off` are what `ws` offers; a socket without them (a browser-style
 * WebSocket) is polled for `bufferedAmount` instead.
 */
export interface WebSocketLike {
  /** 1 is OPEN; 2 and 3 are CLOSING and CLOSED. */
  readonly readyState: number;
  /** Bytes queued by `send()` and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  on?(event: 'close' | 'pong', listener: () => void): unknown;
  off?(event: 'close' | 'pong', listener: () => void): unknown;
  addEventListener?(event: 'close', listener: () => void): unknown;
  removeEventListener?(event: 'close', listener: () => void): unknown;
  ping?(): void;
  terminate?(): void;
  close?(code?: number, reason?: string): void;
}

/** Options for {@link pipeWebSocket}. */
export interface WebSocketWriterOptions {
  /** Reading from the stream pauses while `bufferedAmount` is above this many bytes. @default 65536 */
  readonly highWaterMark?: number;
  /**
   * Interval of WebSocket pings; a socket that has not answered the previous ping is treated as
   * disconnected (and terminated). 0 turns them off. @default 15000
   */
  readonly heartbeatMs?: number;
  /** @default 'cancel' */
  readonly onDisconnect?: DisconnectPolicy;
  /** Close the socket (code 1000) after the end event; leave it open to carry more streams. @default false */
  readonly closeOnEnd?: boolean;
  /** Turns an event into a text message, or null to skip it. @default JSON of the event without its error object */
  readonly serialize?: (event: StreamEvent) => string | null;
  /** How often to re-check `bufferedAmount` on sockets without a `send` callback. @default 10 */
  readonly pollMs?: number;
}

const OPEN = 1;

/**
 * Sends a stream's events over a WebSocket, one JSON text message per event. It stops reading the
 * stream (and so the upstream) while the socket's `bufferedAmount` is above `highWaterMark`, pings
 * the client, and cancels the stream in the same event-loop turn as the socket's `close` (or drains
 * it, with `onDisconnect: 'drain'`). Resolves with the stream's end event.
 */
export async function pipeWebSocket(
  stream: ManagedStream,
  socket: WebSocketLike,
  options: WebSocketWriterOptions = {},
): Promise<StreamEndEvent> {
  const highWaterMark = options.highWaterMark ?? 65_536;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const onDisconnect = options.onDisconnect ?? 'cancel';
  const pollMs = options.pollMs ?? 10;
  for (const [name, value] of [
    ['highWaterMark', highWaterMark],
    ['heartbeatMs', heartbeatMs],
    ['pollMs', pollMs],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
    }
  }
  if (onDisconnect !== 'cancel' && onDisconnect !== 'drain') {
    throw new RangeError(`onDisconnect must be 'cancel' or 'drain', got ${String(onDisconnect)}`);
  }
  const hasCallbacks = typeof socket.on === 'function';
  let gone = false;
  let finished = false;
  let reading = false;
  let wake: (() => void) | null = null;
  let alive = true;

  const onClose = () => {
    if (finished || gone) return;
    gone = true;
    wake?.();
    if (onDisconnect === 'cancel') stream.cancel('client_disconnected');
  };
  const onPong = () => {
    alive = true;
  };
  const onSent = () => {
    if (socket.bufferedAmount <= highWaterMark) wake?.();
  };
  if (hasCallbacks) {
    socket.on?.('close', onClose);
    socket.on?.('pong', onPong);
  } else socket.addEventListener?.('close', onClose);

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  if (heartbeatMs > 0 && typeof socket.ping === 'function') {
    heartbeat = setInterval(() => {
      if (gone || socket.readyState !== OPEN) return;
      if (!alive) {
        onClose();
        socket.terminate?.();
        return;
      }
      alive = false;
      socket.ping?.();
    }, heartbeatMs);
    heartbeat.unref?.();
  }

  const waitForRoom = async () => {
    while (!gone && socket.bufferedAmount > highWaterMark) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (!hasCallbacks) setTimeout(resolve, pollMs);
      });
      wake = null;
      if (socket.readyState !== OPEN) onClose();
    }
  };

  try {
    if (socket.readyState > OPEN) onClose();
    // The callback returns a promise only while the socket is over its mark: reading (and the upstream) waits.
    return await stream.consume((event) => {
      reading = true;
      if (gone) return;
      const text = options.serialize
        ? options.serialize(event)
        : JSON.stringify(toWireEvent(event));
      if (text === null) return;
      if (socket.readyState !== OPEN) {
        onClose();
        return;
      }
      if (hasCallbacks) socket.send(text, onSent);
      else socket.send(text);
      return socket.bufferedAmount > highWaterMark ? waitForRoom() : undefined;
    });
  } finally {
    finished = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (hasCallbacks) {
      socket.off?.('close', onClose);
      socket.off?.('pong', onPong);
    } else socket.removeEventListener?.('close', onClose);
    if (reading) stream.cancel('consumer_stopped');
    if (options.closeOnEnd && !gone && socket.readyState === OPEN)
      socket.close?.(1000, 'stream ended');
  }
}
