import {
  type Attributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** The tracer name (instrumentation scope) the bindings use when no tracer is passed. */
export const TRACER_NAME = '@breakwater/metrics';

/** Token usage as a stream manager reports it. */
export interface TraceStreamUsage {
  /** Input tokens, cached ones included. */
  readonly inputTokens?: number | null;
  /** Output tokens, reasoning ones included. */
  readonly outputTokens?: number | null;
  /** Output tokens spent on reasoning, when the provider reports them. */
  readonly reasoningTokens?: number | null;
  /** True when the counts are estimated rather than reported by the provider. */
  readonly estimated?: boolean;
}

/** Fields every traced stream event carries. */
export interface TraceStreamEventBase {
  /** Identifies the stream across its events. */
  readonly streamId: string;
  /** The model serving the stream (it changes only through a failover). */
  readonly model: string;
  /** The provider serving the stream (`openai`, `anthropic`, `gcp.gemini`, …). */
  readonly provider: string;
}

/** `start` payload. */
export interface TraceStreamStartEvent extends TraceStreamEventBase {
  /** Epoch milliseconds: the span's start time. */
  readonly timestamp?: number;
}

/** `attempt_failed` payload: one failed attempt, also one that a retry or a failover hides. */
export interface TraceStreamAttemptFailedEvent extends TraceStreamEventBase {
  /** 1-based number of the attempt on this model. */
  readonly attempt: number;
  /** Stable error code (`UPSTREAM_ERROR`, `FIRST_TOKEN_TIMEOUT`, …). */
  readonly code: string;
  /** The upstream HTTP status, when there was one. */
  readonly status?: number;
  /** What the stream does next. */
  readonly next: 'retry' | 'failover' | 'none';
}

/** `retry` payload. */
export interface TraceStreamRetryEvent extends TraceStreamEventBase {
  /** 1-based number of the attempt about to start. */
  readonly attempt: number;
  /** Wait before it, in milliseconds. */
  readonly delayMs: number;
  /** Error code of the attempt it replaces. */
  readonly code: string;
}

/** `failover` payload: `model` and `provider` name the next source. */
export interface TraceStreamFailoverEvent extends TraceStreamEventBase {
  /** The model left behind. */
  readonly fromModel: string;
  /** The provider left behind. */
  readonly fromProvider: string;
  /** Error code of the attempt that made the stream move on. */
  readonly code: string;
}

/** `complete` payload. */
export interface TraceStreamCompleteEvent extends TraceStreamEventBase {
  /** Token usage of the stream. */
  readonly usage?: TraceStreamUsage | null;
  /** Time to the first token, in milliseconds. */
  readonly ttftMs?: number | null;
  /** Why the model stopped (`stop`, `length`, `tool_calls`, `content_filter`, `other`). */
  readonly finishReason?: string | null;
}

/** `error` payload. */
export interface TraceStreamErrorEvent extends TraceStreamEventBase {
  /** Stable error code, the span's `error.type` in lower case. */
  readonly code: string;
  /** What went wrong: the span status message. */
  readonly message?: string;
  /** Tokens used before the error. */
  readonly usage?: TraceStreamUsage | null;
}

/** `cancelled` payload. */
export interface TraceStreamCancelledEvent extends TraceStreamEventBase {
  /** Why the stream was cancelled (`client_disconnected`, …). */
  readonly reason?: string;
  /** Tokens used before the cancellation. */
  readonly usage?: TraceStreamUsage | null;
}

/**
 * What {@link traceStreams} needs from a stream manager: its manager-level events. The stream
 * manager of `@breakwater/llm-stream` fits. Chunks are never listened to.
 */
export interface StreamTraceSource {
  /** Subscribes to the start of a stream. */
  on(event: 'start', listener: (event: TraceStreamStartEvent) => void): unknown;
  /** Subscribes to failed attempts. */
  on(event: 'attempt_failed', listener: (event: TraceStreamAttemptFailedEvent) => void): unknown;
  /** Subscribes to retries. */
  on(event: 'retry', listener: (event: TraceStreamRetryEvent) => void): unknown;
  /** Subscribes to failovers. */
  on(event: 'failover', listener: (event: TraceStreamFailoverEvent) => void): unknown;
  /** Subscribes to completed streams. */
  on(event: 'complete', listener: (event: TraceStreamCompleteEvent) => void): unknown;
  /** Subscribes to failed streams. */
  on(event: 'error', listener: (event: TraceStreamErrorEvent) => void): unknown;
  /** Subscribes to cancelled streams. */
  on(event: 'cancelled', listener: (event: TraceStreamCancelledEvent) => void): unknown;
  /** Unsubscribes from the start of a stream. */
  off(event: 'start', listener: (event: TraceStreamStartEvent) => void): unknown;
  /** Unsubscribes from failed attempts. */
  off(event: 'attempt_failed', listener: (event: TraceStreamAttemptFailedEvent) => void): unknown;
  /** Unsubscribes from retries. */
  off(event: 'retry', listener: (event: TraceStreamRetryEvent) => void): unknown;
  /** Unsubscribes from failovers. */
  off(event: 'failover', listener: (event: TraceStreamFailoverEvent) => void): unknown;
  /** Unsubscribes from completed streams. */
  off(event: 'complete', listener: (event: TraceStreamCompleteEvent) => void): unknown;
  /** Unsubscribes from failed streams. */
  off(event: 'error', listener: (event: TraceStreamErrorEvent) => void): unknown;
  /** Unsubscribes from cancelled streams. */
  off(event: 'cancelled', listener: (event: TraceStreamCancelledEvent) => void): unknown;
}

/** Options for {@link traceStreams}. */
export interface TraceStreamsOptions {
  /** Where the spans go. @default trace.getTracer('@breakwater/metrics'): the global provider's, a no-op until one is registered */
  readonly tracer?: Tracer;
  /** `gen_ai.operation.name` of the streams, and the first word of each span name. @default 'chat' */
  readonly operation?: string;
}

// Codes arrive as RATE_LIMITED; error.type is low-cardinality snake_case, as in the metrics.
function errorTypeOf(code: string | undefined): string {
  return typeof code === 'string' && code !== '' ? code.toLowerCase() : '_OTHER';
}

function nonNegative(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function setUsage(span: Span, usage: TraceStreamUsage | null | undefined): void {
  if (!usage) return;
  const attributes: Attributes = {};
  const input = nonNegative(usage.inputTokens);
  const output = nonNegative(usage.outputTokens);
  const reasoning = nonNegative(usage.reasoningTokens);
  if (input !== undefined) attributes['gen_ai.usage.input_tokens'] = input;
  if (output !== undefined) attributes['gen_ai.usage.output_tokens'] = output;
  if (reasoning !== undefined) attributes['gen_ai.usage.reasoning.output_tokens'] = reasoning;
  if (usage.estimated === true) attributes['breakwater.usage.estimated'] = true;
  span.setAttributes(attributes);
}

/**
 * Traces a stream manager with OpenTelemetry, after the GenAI semantic conventions: one
 * `CLIENT` span per model call named `{operation} {model}` (`chat gpt-4o`), with
 * `gen_ai.operation.name`, `gen_ai.provider.name` and `gen_ai.request.model` set at creation;
 * `gen_ai.response.model`, `gen_ai.response.finish_reasons`, `gen_ai.usage.*` and
 * `gen_ai.response.time_to_first_chunk` at the end; `error.type` and an error status when the
 * stream fails. Every failed attempt, retry and failover is a span event
 * (`breakwater.attempt_failed`, `breakwater.retry`, `breakwater.failover`). Prompts and
 * completions are never captured.
 *
 * The span's parent is the context active when the stream starts (an HTTP server span, when
 * the server is instrumented). With no tracer provider registered nothing is kept per stream.
 * Returns a function that unsubscribes and ends the spans of streams still open.
 *
 * @example
 * import { traceStreams } from '@breakwater/metrics/tracing';
 * const stop = traceStreams(manager, { tracer: trace.getTracer('my-gateway') });
 */
export function traceStreams(
  manager: StreamTraceSource,
  options: TraceStreamsOptions = {},
): () => void {
  const { tracer = trace.getTracer(TRACER_NAME), operation = 'chat' } = options;
  if (typeof tracer?.startSpan !== 'function') {
    throw new TypeError('tracer must be an OpenTelemetry Tracer');
  }
  if (typeof operation !== 'string' || operation === '') {
    throw new TypeError(`operation must be a non-empty string, got ${JSON.stringify(operation)}`);
  }
  if (typeof manager?.on !== 'function' || typeof manager.off !== 'function') {
    throw new TypeError('manager must have on() and off()');
  }
  // Only recording spans are kept, so a no-op tracer costs one lookup per event.
  const open = new Map<string, Span>();

  const end = (streamId: string): Span | undefined => {
    const span = open.get(streamId);
    open.delete(streamId);
    return span;
  };

  const onStart = (event: TraceStreamStartEvent) => {
    if (open.has(event.streamId)) return;
    const span = tracer.startSpan(`${operation} ${event.model}`, {
      kind: SpanKind.CLIENT,
      startTime: typeof event.timestamp === 'number' ? event.timestamp : undefined,
      attributes: {
        'gen_ai.operation.name': operation,
        'gen_ai.provider.name': event.provider,
        'gen_ai.request.model': event.model,
      },
    });
    if (span.isRecording()) open.set(event.streamId, span);
    else span.end();
  };
  const onAttemptFailed = (event: TraceStreamAttemptFailedEvent) => {
    const span = open.get(event.streamId);
    if (!span) return;
    const attributes: Attributes = {
      'breakwater.attempt': event.attempt,
      'breakwater.next': event.next,
      'gen_ai.provider.name': event.provider,
      'gen_ai.request.model': event.model,
      'error.type': errorTypeOf(event.code),
    };
    if (typeof event.status === 'number') {
      attributes['http.response.status_code'] = event.status;
    }
    span.addEvent('breakwater.attempt_failed', attributes);
  };
  const onRetry = (event: TraceStreamRetryEvent) => {
    open.get(event.streamId)?.addEvent('breakwater.retry', {
      'breakwater.attempt': event.attempt,
      'breakwater.retry.delay_ms': event.delayMs,
      'error.type': errorTypeOf(event.code),
    });
  };
  const onFailover = (event: TraceStreamFailoverEvent) => {
    const span = open.get(event.streamId);
    if (!span) return;
    span.addEvent('breakwater.failover', {
      'breakwater.failover.from_provider': event.fromProvider,
      'breakwater.failover.from_model': event.fromModel,
      'gen_ai.provider.name': event.provider,
      'gen_ai.request.model': event.model,
      'error.type': errorTypeOf(event.code),
    });
    // The provider that answers is the one the span reports.
    span.setAttribute('gen_ai.provider.name', event.provider);
  };
  const onComplete = (event: TraceStreamCompleteEvent) => {
    const span = end(event.streamId);
    if (!span) return;
    span.setAttribute('gen_ai.response.model', event.model);
    if (typeof event.finishReason === 'string' && event.finishReason !== '') {
      span.setAttribute('gen_ai.response.finish_reasons', [event.finishReason]);
    }
    const ttft = nonNegative(event.ttftMs);
    if (ttft !== undefined) span.setAttribute('gen_ai.response.time_to_first_chunk', ttft / 1000);
    setUsage(span, event.usage);
    span.end();
  };
  const onError = (event: TraceStreamErrorEvent) => {
    const span = end(event.streamId);
    if (!span) return;
    span.setAttribute('error.type', errorTypeOf(event.code));
    setUsage(span, event.usage);
    span.setStatus({ code: SpanStatusCode.ERROR, message: event.message });
    span.end();
  };
  const onCancelled = (event: TraceStreamCancelledEvent) => {
    const span = end(event.streamId);
    if (!span) return;
    if (typeof event.reason === 'string')
      span.setAttribute('breakwater.cancel_reason', event.reason);
    setUsage(span, event.usage);
    span.end();
  };

  manager.on('start', onStart);
  manager.on('attempt_failed', onAttemptFailed);
  manager.on('retry', onRetry);
  manager.on('failover', onFailover);
  manager.on('complete', onComplete);
  manager.on('error', onError);
  manager.on('cancelled', onCancelled);

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    manager.off('start', onStart);
    manager.off('attempt_failed', onAttemptFailed);
    manager.off('retry', onRetry);
    manager.off('failover', onFailover);
    manager.off('complete', onComplete);
    manager.off('error', onError);
    manager.off('cancelled', onCancelled);
    for (const span of open.values()) span.end();
    open.clear();
  };
}
