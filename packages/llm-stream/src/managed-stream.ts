import type { ActiveStreamInfo } from './active-stream-info.js';
import { ManagedStreamImpl } from './managed-stream-impl.js';
import type {
  StreamAttemptFailedEvent,
  StreamEndEvent,
  StreamEvent,
  StreamFailoverEvent,
  StreamRetryEvent,
} from './stream-event.js';
import { resolveStreamOptions, type StreamOptions, type StreamSources } from './stream-options.js';

/**
 * One model response as a pull-based stream of typed events: `start`, then `chunk`s (text) and
 * part events (reasoning, tool calls, refusals) in the provider's order, then exactly one of
 * `complete`, `error` or `cancelled`. The upstream is opened on the first read and advanced only
 * while the reader waits, so a slow reader slows the provider read and memory stays bounded.
 * Errors are events, never thrown at the reader.
 */
export interface ManagedStream extends AsyncIterable<StreamEvent> {
  readonly id: string;
  /** The model serving the stream (the next source's after a failover). */
  readonly model: string;
  readonly provider: string;
  /** True once the end event has been produced (it may still wait in the queue for the reader). */
  readonly ended: boolean;
  /** Resolves with the end event as soon as it is produced. Never rejects. */
  readonly done: Promise<StreamEndEvent>;
  /**
   * Ends the stream with a `cancelled` event, aborts the upstream request and releases the
   * breaker permit. Returns false when the stream had already ended.
   * @default reason 'cancelled'
   */
  cancel(reason?: string): boolean;
  /** A snapshot of progress: tokens so far, percent, time to first token, tokens per second. */
  info(): ActiveStreamInfo;
  /**
   * Reads the stream to its end, calling `onEvent` (when given) for every event in order. When
   * `onEvent` returns a promise, nothing more is read (from the upstream either) until it settles.
   * Resolves with the end event once it has been handled; if `onEvent` throws or rejects, the
   * stream is cancelled (`consumer_stopped`) and the promise rejects with that error. Takes the
   * single reader's place.
   */
  consume(onEvent?: (event: StreamEvent) => unknown): Promise<StreamEndEvent>;
  /** A stream has one reader: a second call throws a TypeError. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent, undefined>;
}

/** Internal: how a stream reports to its manager. */
export interface StreamHooks {
  emit(
    event: StreamEvent | StreamAttemptFailedEvent | StreamRetryEvent | StreamFailoverEvent,
  ): void;
  ended(stream: ManagedStream): void;
}

/**
 * Creates a managed stream outside any registry. Use a {@link StreamManager} to list, inspect and
 * cancel streams by id and to observe every stream's events.
 */
export function createManagedStream(
  sources: StreamSources,
  options: StreamOptions = {},
): ManagedStream {
  const stream = new ManagedStreamImpl(
    resolveStreamOptions(sources, options, {}, () => crypto.randomUUID()),
    undefined,
  );
  stream.begin();
  return stream;
}
