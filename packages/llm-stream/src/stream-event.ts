import type { StreamError, StreamErrorCode } from './stream-error.js';

/**
 * Token usage of one stream. On `complete` it is the provider's own count when the provider
 * reported one after the last text; otherwise (and always on `cancelled` and `error`) it is the
 * last cumulative provider count plus an estimate of the text received since, flagged `estimated`.
 */
export interface StreamUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** True when any part of the counts is a local estimate rather than the provider's report. */
  readonly estimated: boolean;
}

/** Fields every stream event carries, so a listener on the manager knows whose event it is. */
export interface StreamEventBase {
  readonly stream_id: string;
  /** The model serving the stream; it changes only through a failover before the first token. */
  readonly model: string;
  readonly provider: string;
}

/** The first event of every stream. */
export interface StreamStartEvent extends StreamEventBase {
  readonly type: 'start';
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** A piece of generated text (one provider delta, or several gathered by the buffer). */
export interface StreamChunkEvent extends StreamEventBase {
  readonly type: 'chunk';
  /** 1-based position of this chunk in the stream. */
  readonly chunk_number: number;
  readonly content: string;
  /**
   * `total_tokens` now minus `total_tokens` at the previous chunk, never below 0: the sum equals
   * `total_tokens` unless a provider report lowered the estimate.
   */
  readonly tokens_in_chunk: number;
  /**
   * Output tokens so far: the provider's latest cumulative count (Anthropic, Gemini report one
   * during the stream) plus an estimate of the text since. An estimate until the provider reports;
   * a report re-bases it, so it can drop below the previous chunk's. `complete.total_tokens` is
   * the authoritative count.
   */
  readonly total_tokens: number;
  /** Seconds since the stream started. */
  readonly elapsed_seconds: number;
  /** Percent of `max_tokens` (or of the expected length), capped at 100; null without a basis. */
  readonly progress_percent: number | null;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** The stream finished normally. */
export interface StreamCompleteEvent extends StreamEventBase {
  readonly type: 'complete';
  /**
   * Equals `usage.output_tokens`: the provider's count when it reported one after the last text.
   * It can be lower than the last chunk's `total_tokens` when that chunk was still an estimate
   * (OpenAI reports usage only after the last text).
   */
  readonly total_tokens: number;
  readonly usage: StreamUsage;
  /** Milliseconds from the stream's start to the first token received, retries included. */
  readonly ttft_ms: number | null;
  readonly duration_ms: number;
  /**
   * Output tokens per second after the first token; 0 without tokens, null when every token
   * arrived at the same clock reading (no time to measure a rate over).
   */
  readonly tokens_per_second: number | null;
  /** The provider's stop reason (`stop`, `length`, `end_turn`, `STOP`...); null when it gave none. */
  readonly finish_reason: string | null;
}

/** The stream failed: before the first token after retries and failover, or mid-stream. */
export interface StreamErrorEvent extends StreamEventBase {
  readonly type: 'error';
  readonly code: StreamErrorCode;
  readonly message: string;
  /** Whether the same request may succeed if sent again later. */
  readonly retryable: boolean;
  /** The upstream HTTP status, when there was one. */
  readonly status?: number;
  /** How long to wait before retrying, when the provider or a breaker said so. */
  readonly retry_after_ms?: number;
  readonly usage: StreamUsage;
  /** The error itself, with the upstream error as `cause`. Not serialized by the writers. */
  readonly error: StreamError;
}

/** The stream was cancelled: by its AbortSignal, `cancel()`, the registry, or a client disconnect. */
export interface StreamCancelledEvent extends StreamEventBase {
  readonly type: 'cancelled';
  /** `client_disconnected`, `aborted`, `consumer_stopped`, `cancelled`, or the caller's reason. */
  readonly reason: string;
  readonly usage: StreamUsage;
}

/** The three events that end a stream; every stream ends with exactly one of them. */
export type StreamEndEvent = StreamCompleteEvent | StreamErrorEvent | StreamCancelledEvent;

/** Everything a managed stream yields, in order: `start`, any `chunk`s, then one end event. */
export type StreamEvent = StreamStartEvent | StreamChunkEvent | StreamEndEvent;

/** Announces a retry of the same source before the first token. */
export interface StreamRetryEvent extends StreamEventBase {
  readonly type: 'retry';
  /** 1-based number of the attempt that is about to start on this source. */
  readonly attempt: number;
  readonly delay_ms: number;
  readonly code: StreamErrorCode;
  readonly message: string;
}

/**
 * Announces a move to the next source before the first token. `model` and `provider` name the
 * new source; `from_model` and `from_provider` the one that failed or was rejected by its guard.
 */
export interface StreamFailoverEvent extends StreamEventBase {
  readonly type: 'failover';
  readonly from_model: string;
  readonly from_provider: string;
  readonly code: StreamErrorCode;
  readonly message: string;
}
