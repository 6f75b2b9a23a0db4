import type { NormalizedFinishReason } from './adapters/normalize-finish-reason.js';
import type { StreamError, StreamErrorCode } from './stream-error.js';

/**
 * Token usage of one stream. On `complete` it is the provider's own count when the provider
 * reported one after the last output; otherwise (and always on `cancelled` and `error`) it is
 * the last cumulative provider count plus an estimate of the output received since (text,
 * reasoning, tool arguments, refusals), flagged `estimated`. Before the provider reports input
 * tokens, `inputTokens` is the source's `promptTokens` (counted from the request's prompt).
 */
export interface StreamUsage {
  readonly inputTokens: number;
  /** Every output token, reasoning included. */
  readonly outputTokens: number;
  /**
   * The part of `outputTokens` spent on reasoning: the provider's count, or an estimate of the
   * reasoning text received. Absent when the stream had no reasoning and the provider gave no count.
   */
  readonly reasoningTokens?: number;
  /** True when any part of the counts is a local estimate rather than the provider's report. */
  readonly estimated: boolean;
}

/** Fields every stream event carries, so a listener on the manager knows whose event it is. */
export interface StreamEventBase {
  readonly streamId: string;
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
  readonly chunkNumber: number;
  readonly content: string;
  /**
   * `totalTokens` now minus `totalTokens` at the previous chunk, never below 0: the sum equals
   * `totalTokens` unless a provider report lowered the estimate.
   */
  readonly tokensInChunk: number;
  /**
   * Output tokens so far: the provider's latest cumulative count (Anthropic, Gemini report one
   * during the stream) plus an estimate of the output since. An estimate until the provider reports;
   * a report re-bases it, so it can drop below the previous chunk's. `complete.totalTokens` is
   * the authoritative count.
   */
  readonly totalTokens: number;
  /** Seconds since the stream started. */
  readonly elapsedSeconds: number;
  /**
   * Percent of `max_tokens` (or of the expected length), capped at 100, never below the previous
   * chunk's (a report that lowers `totalTokens` does not move it back); null without a basis.
   */
  readonly progressPercent: number | null;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** The stream finished normally. */
export interface StreamCompleteEvent extends StreamEventBase {
  readonly type: 'complete';
  /**
   * Equals `usage.outputTokens`: the provider's count when it reported one after the last text.
   * It can be lower than the last chunk's `totalTokens` when that chunk was still an estimate
   * (OpenAI reports usage only after the last text).
   */
  readonly totalTokens: number;
  readonly usage: StreamUsage;
  /** Milliseconds from the stream's start to the first token received, retries included. */
  readonly ttftMs: number | null;
  readonly durationMs: number;
  /**
   * Output tokens per second after the first token; 0 without tokens, null when every token
   * arrived at the same clock reading (no time to measure a rate over).
   */
  readonly tokensPerSecond: number | null;
  /**
   * Why the model stopped, in one vocabulary: `stop`, `length`, `tool_calls`, `content_filter`
   * or `other`. `tool_calls` whenever the stream carried a tool call, also when the provider said
   * `stop` (Gemini, some OpenAI-compatible servers); `stop` when the source gave no reason.
   */
  readonly finishReason: NormalizedFinishReason;
  /** The provider's own stop reason (`end_turn`, `STOP`, `tool_use`...); null when it gave none. */
  readonly providerFinishReason: string | null;
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
  readonly retryAfterMs?: number;
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

/** A piece of the model's reasoning (thinking), delivered as it arrives, never buffered. */
export interface StreamReasoningEvent extends StreamEventBase {
  readonly type: 'reasoning';
  readonly content: string;
}

/**
 * A reasoning block ended. `content` is the whole block's text and `signature` the provider's
 * proof of it (Anthropic's `signature`, Gemini's `thoughtSignature`; null when the provider sends
 * none, as OpenAI-compatible servers): send both back unchanged with tool results.
 */
export interface StreamReasoningEndEvent extends StreamEventBase {
  readonly type: 'reasoning_end';
  readonly content: string;
  readonly signature: string | null;
}

/** Reasoning the provider encrypted (Anthropic `redacted_thinking`): send `data` back unchanged. */
export interface StreamRedactedReasoningEvent extends StreamEventBase {
  readonly type: 'redacted_reasoning';
  readonly data: string;
}

/** Fields every tool-call event carries. */
export interface StreamToolCallBase extends StreamEventBase {
  /** 0-based position of the call in this response: parallel calls have 0, 1, 2... */
  readonly toolCallIndex: number;
  /** The provider's call id; a tool result must quote it. */
  readonly toolCallId: string;
}

/** A tool call begins: its id and the tool's name. Its arguments follow as deltas. */
export interface StreamToolCallStartEvent extends StreamToolCallBase {
  readonly type: 'tool_call_start';
  readonly toolName: string;
}

/** A piece of a tool call's JSON arguments, as the provider streamed it (not valid JSON alone). */
export interface StreamToolCallDeltaEvent extends StreamToolCallBase {
  readonly type: 'tool_call_delta';
  readonly argumentsDelta: string;
}

/**
 * A complete tool call. `arguments` is the whole JSON text (`'{}'` when the provider streamed
 * none); `input` is it parsed, or undefined when it is not valid JSON, and then `parseError`
 * says why (the call is passed on; answering it with an error is the caller's choice).
 */
export interface StreamToolCallEvent extends StreamToolCallBase {
  readonly type: 'tool_call';
  readonly toolName: string;
  readonly arguments: string;
  readonly input: unknown;
  readonly parseError: string | null;
  /** Gemini's `thoughtSignature` on the call, to send back with it; null otherwise. */
  readonly signature: string | null;
}

/** A piece of a refusal (OpenAI's `refusal`): the model declined, in its own words. */
export interface StreamRefusalEvent extends StreamEventBase {
  readonly type: 'refusal';
  readonly content: string;
}

/** Output parts other than text; a text-only caller can ignore them (its text is in `chunk`s). */
export type StreamPartEvent =
  | StreamReasoningEvent
  | StreamReasoningEndEvent
  | StreamRedactedReasoningEvent
  | StreamToolCallStartEvent
  | StreamToolCallDeltaEvent
  | StreamToolCallEvent
  | StreamRefusalEvent;

/**
 * Everything a managed stream yields, in order: `start`, then `chunk`s (text) and part events
 * in the order the provider sent them, then one end event.
 */
export type StreamEvent = StreamStartEvent | StreamChunkEvent | StreamPartEvent | StreamEndEvent;

/** Announces a retry of the same source before the first token. */
export interface StreamRetryEvent extends StreamEventBase {
  readonly type: 'retry';
  /** 1-based number of the attempt that is about to start on this source. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly code: StreamErrorCode;
  readonly message: string;
}

/**
 * One attempt failed: emitted for every failed attempt (a refused permit included), also those
 * a retry or failover hides, and for the last one (`next: 'none'`) just before the `error` event.
 */
export interface StreamAttemptFailedEvent extends StreamEventBase {
  readonly type: 'attempt_failed';
  /** 1-based number of the attempt on this source. */
  readonly attempt: number;
  readonly code: StreamErrorCode;
  readonly message: string;
  /** The upstream HTTP status, when there was one. */
  readonly status?: number;
  /** What the stream does next: retry this source, move to the next one, or end with an error. */
  readonly next: 'retry' | 'failover' | 'none';
}

/**
 * Announces a move to the next source before the first token. `model` and `provider` name the
 * new source; `fromModel` and `fromProvider` the one that failed or was rejected by its guard.
 */
export interface StreamFailoverEvent extends StreamEventBase {
  readonly type: 'failover';
  readonly fromModel: string;
  readonly fromProvider: string;
  readonly code: StreamErrorCode;
  readonly message: string;
}
