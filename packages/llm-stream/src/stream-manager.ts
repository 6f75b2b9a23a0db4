import EventEmitter from 'eventemitter3';
import type { ActiveStreamInfo } from './active-stream-info.js';
import type { ManagedStream, StreamHooks } from './managed-stream.js';
import { ManagedStreamImpl } from './managed-stream-impl.js';
import type {
  StreamAttemptFailedEvent,
  StreamCancelledEvent,
  StreamChunkEvent,
  StreamCompleteEvent,
  StreamErrorEvent,
  StreamFailoverEvent,
  StreamReasoningEndEvent,
  StreamReasoningEvent,
  StreamRedactedReasoningEvent,
  StreamRefusalEvent,
  StreamRetryEvent,
  StreamStartEvent,
  StreamToolCallDeltaEvent,
  StreamToolCallEvent,
  StreamToolCallStartEvent,
} from './stream-event.js';
import {
  resolveStreamOptions,
  type StreamDefaults,
  type StreamOptions,
  type StreamSources,
} from './stream-options.js';

/** Listener signatures of a {@link StreamManager}; every payload carries `streamId`, `model`, `provider`. */
export interface StreamManagerEvents {
  start: (event: StreamStartEvent) => void;
  chunk: (event: StreamChunkEvent) => void;
  complete: (event: StreamCompleteEvent) => void;
  error: (event: StreamErrorEvent) => void;
  cancelled: (event: StreamCancelledEvent) => void;
  reasoning: (event: StreamReasoningEvent) => void;
  reasoning_end: (event: StreamReasoningEndEvent) => void;
  redacted_reasoning: (event: StreamRedactedReasoningEvent) => void;
  tool_call_start: (event: StreamToolCallStartEvent) => void;
  tool_call_delta: (event: StreamToolCallDeltaEvent) => void;
  tool_call: (event: StreamToolCallEvent) => void;
  refusal: (event: StreamRefusalEvent) => void;
  /**
   * An attempt failed before the first token (retried, failed over or final) or the stream failed
   * after it: one per failed attempt, so errors that a retry or failover hid can be counted.
   */
  attempt_failed: (event: StreamAttemptFailedEvent) => void;
  /** A retry of the same source before the first token. */
  retry: (event: StreamRetryEvent) => void;
  /** A move to the next source before the first token (labels change from `from_*` to the new ones). */
  failover: (event: StreamFailoverEvent) => void;
}

/** Options for {@link createStreamManager}: defaults for every stream it creates. */
export interface StreamManagerOptions extends StreamDefaults {
  /** Makes stream ids. @default crypto.randomUUID */
  readonly generateId?: () => string;
}

/**
 * Creates managed streams and keeps the registry of the live ones: list them with their progress,
 * get one, cancel one. A stream leaves the registry the moment it ends. Observe every stream
 * through `on(type)` for every event type, and `attempt_failed`, `retry` and `failover`.
 */
export interface StreamManager {
  /** Starts a managed stream over one source or a failover list. Nothing is sent until it is read. */
  stream(sources: StreamSources, options?: StreamOptions): ManagedStream;
  /** Snapshots of every live stream, oldest first. */
  active(): ActiveStreamInfo[];
  /** Same as {@link StreamManager.active}. */
  list(): ActiveStreamInfo[];
  /** A snapshot of one live stream; undefined once it ended or when the id is unknown. */
  get(streamId: string): ActiveStreamInfo | undefined;
  /** The live stream itself, for callers that need to read or await it. */
  getStream(streamId: string): ManagedStream | undefined;
  /** Cancels one live stream; false when no live stream has that id. @default reason 'cancelled' */
  cancel(streamId: string, reason?: string): boolean;
  /** Cancels every live stream (for shutdown); returns how many were cancelled. @default reason 'shutdown' */
  cancelAll(reason?: string): number;
  /** Number of live streams. */
  readonly size: number;
  on<E extends keyof StreamManagerEvents>(event: E, listener: StreamManagerEvents[E]): this;
  once<E extends keyof StreamManagerEvents>(event: E, listener: StreamManagerEvents[E]): this;
  off<E extends keyof StreamManagerEvents>(event: E, listener?: StreamManagerEvents[E]): this;
}

/** Creates a {@link StreamManager}. */
export function createStreamManager(options: StreamManagerOptions = {}): StreamManager {
  const generateId = options.generateId ?? (() => crypto.randomUUID());
  if (typeof generateId !== 'function') {
    throw new TypeError(`generateId must be a function, got ${typeof generateId}`);
  }
  // Validate the defaults once, so a bad manager option fails at construction.
  resolveStreamOptions(
    { provider: 'check', model: 'check', open: () => Promise.reject(new Error('unused')) },
    {},
    options,
    () => 'check',
  );
  return new StreamManagerImpl(options, generateId);
}

class StreamManagerImpl implements StreamManager {
  readonly #emitter = new EventEmitter();
  readonly #defaults: StreamDefaults;
  readonly #generateId: () => string;
  readonly #live = new Map<string, ManagedStreamImpl>();
  readonly #hooks: StreamHooks;

  constructor(defaults: StreamDefaults, generateId: () => string) {
    this.#defaults = defaults;
    this.#generateId = generateId;
    this.#hooks = {
      emit: (event) => {
        this.#emitter.emit(event.type, event);
      },
      ended: (stream) => {
        this.#live.delete(stream.id);
      },
    };
  }

  stream(sources: StreamSources, options: StreamOptions = {}): ManagedStream {
    const resolved = resolveStreamOptions(sources, options, this.#defaults, this.#generateId);
    if (this.#live.has(resolved.id)) {
      throw new RangeError(`a live stream already has the id ${resolved.id}`);
    }
    const stream = new ManagedStreamImpl(resolved, this.#hooks);
    this.#live.set(stream.id, stream);
    stream.begin();
    return stream;
  }

  active(): ActiveStreamInfo[] {
    return Array.from(this.#live.values(), (stream) => stream.info());
  }

  list(): ActiveStreamInfo[] {
    return this.active();
  }

  get(streamId: string): ActiveStreamInfo | undefined {
    return this.#live.get(streamId)?.info();
  }

  getStream(streamId: string): ManagedStream | undefined {
    return this.#live.get(streamId);
  }

  cancel(streamId: string, reason?: string): boolean {
    return this.#live.get(streamId)?.cancel(reason) ?? false;
  }

  cancelAll(reason = 'shutdown'): number {
    let cancelled = 0;
    for (const stream of [...this.#live.values()]) if (stream.cancel(reason)) cancelled++;
    return cancelled;
  }

  get size(): number {
    return this.#live.size;
  }

  on<E extends keyof StreamManagerEvents>(event: E, listener: StreamManagerEvents[E]): this {
    this.#emitter.on(event, listener);
    return this;
  }

  once<E extends keyof StreamManagerEvents>(event: E, listener: StreamManagerEvents[E]): this {
    this.#emitter.once(event, listener);
    return this;
  }

  off<E extends keyof StreamManagerEvents>(event: E, listener?: StreamManagerEvents[E]): this {
    this.#emitter.off(event, listener);
    return this;
  }
}
