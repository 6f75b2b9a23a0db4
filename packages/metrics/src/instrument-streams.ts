import { type Metrics, metricsInternals, type StreamLabels } from './metrics.js';

/** Token usage as the stream manager reports it. */
export interface StreamUsageLike {
  /** Input tokens of the stream. */
  readonly inputTokens?: number | null;
  /** Output tokens of the stream. */
  readonly outputTokens?: number | null;
  /** True when the counts are estimated rather than reported by the provider. */
  readonly estimated?: boolean;
}

/** Fields every stream-manager event carries. */
export interface MetricsStreamEventBase {
  /** Identifies the stream across its events. */
  readonly streamId: string;
  /** The requested model id. */
  readonly model: string;
  /** The provider (`openai`, `anthropic`, …). */
  readonly provider: string;
  /** What the caller attached to the stream, when the event carries it. */
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** The stream {@link InstrumentStreamsOptions.taskType} labels: its start event and its metadata. */
export interface MetricsStreamTaskEvent extends MetricsStreamEventBase {
  /** The event's own `metadata`, else the manager's `get(streamId)?.metadata`, else `{}`. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** `chunk` payload of a stream manager. */
export interface MetricsStreamChunkEvent extends MetricsStreamEventBase {
  /** Seconds since the stream started, when the chunk arrived. */
  readonly elapsedSeconds?: number;
}

/** `complete` payload of a stream manager. */
export interface MetricsStreamCompleteEvent extends MetricsStreamEventBase {
  /** Token usage of the stream. */
  readonly usage?: StreamUsageLike | null;
  /** Time to the first token, in milliseconds. */
  readonly ttftMs?: number | null;
  /** Duration of the whole stream, in milliseconds. */
  readonly durationMs: number;
}

/** `error` payload of a stream manager. */
export interface MetricsStreamErrorEvent extends MetricsStreamEventBase {
  /** Stable error code (`RATE_LIMITED`, …), used in lower case as `error_type`. */
  readonly code?: string;
  /** Tokens used before the error; billed tokens count. */
  readonly usage?: StreamUsageLike | null;
}

/** `cancelled` payload of a stream manager. */
export interface MetricsStreamCancelledEvent extends MetricsStreamEventBase {
  /** Why the stream was cancelled (`client_disconnected`, …). */
  readonly reason?: string;
  /** Tokens used before the cancellation. */
  readonly usage?: StreamUsageLike | null;
}

/**
 * `attempt_failed` payload of a stream manager: one failed attempt, including one that a retry
 * or a failover hides from the caller.
 */
export interface MetricsStreamAttemptFailedEvent extends MetricsStreamEventBase {
  /** 1-based number of the attempt on this model. */
  readonly attempt: number;
  /** Stable error code (`UPSTREAM_ERROR`, `FIRST_TOKEN_TIMEOUT`, …), used in lower case as `error_type`. */
  readonly code: string;
  /** What the stream does next: retry the same model, fail over to the next one, or end with `error`. */
  readonly next: 'retry' | 'failover' | 'none';
}

/** `retry` payload of a stream manager: the same model is tried again before its first token. */
export interface MetricsStreamRetryEvent extends MetricsStreamEventBase {
  /** Error code of the attempt the retry replaces. */
  readonly code: string;
}

/** `failover` payload of a stream manager: `model` and `provider` name the next source. */
export interface MetricsStreamFailoverEvent extends MetricsStreamEventBase {
  /** The model left behind. */
  readonly fromModel: string;
  /** The provider left behind. */
  readonly fromProvider: string;
  /** Error code of the attempt that made the stream move on. */
  readonly code: string;
}

/**
 * What {@link instrumentStreams} needs from a stream manager: its manager-level events.
 * The stream manager of `@breakwater/llm-stream` fits.
 */
export interface StreamManagerSource {
  /**
   * The live stream with this id, to read its `metadata` when the events do not carry it
   * (the stream manager of `@breakwater/llm-stream` keeps it there).
   */
  get?(streamId: string): { readonly metadata?: Readonly<Record<string, unknown>> } | undefined;
  /** Subscribes to the start of a stream. */
  on(event: 'start', listener: (event: MetricsStreamEventBase) => void): unknown;
  /** Subscribes to delivered chunks. */
  on(event: 'chunk', listener: (event: MetricsStreamChunkEvent) => void): unknown;
  /** Subscribes to completed streams. */
  on(event: 'complete', listener: (event: MetricsStreamCompleteEvent) => void): unknown;
  /** Subscribes to failed streams. */
  on(event: 'error', listener: (event: MetricsStreamErrorEvent) => void): unknown;
  /** Subscribes to cancelled streams. */
  on(event: 'cancelled', listener: (event: MetricsStreamCancelledEvent) => void): unknown;
  /** Subscribes to failed attempts. */
  on(event: 'attempt_failed', listener: (event: MetricsStreamAttemptFailedEvent) => void): unknown;
  /** Subscribes to retries. */
  on(event: 'retry', listener: (event: MetricsStreamRetryEvent) => void): unknown;
  /** Subscribes to failovers. */
  on(event: 'failover', listener: (event: MetricsStreamFailoverEvent) => void): unknown;
  /** Unsubscribes from the start of a stream. */
  off(event: 'start', listener: (event: MetricsStreamEventBase) => void): unknown;
  /** Unsubscribes from delivered chunks. */
  off(event: 'chunk', listener: (event: MetricsStreamChunkEvent) => void): unknown;
  /** Unsubscribes from completed streams. */
  off(event: 'complete', listener: (event: MetricsStreamCompleteEvent) => void): unknown;
  /** Unsubscribes from failed streams. */
  off(event: 'error', listener: (event: MetricsStreamErrorEvent) => void): unknown;
  /** Unsubscribes from cancelled streams. */
  off(event: 'cancelled', listener: (event: MetricsStreamCancelledEvent) => void): unknown;
  /** Unsubscribes from failed attempts. */
  off(event: 'attempt_failed', listener: (event: MetricsStreamAttemptFailedEvent) => void): unknown;
  /** Unsubscribes from retries. */
  off(event: 'retry', listener: (event: MetricsStreamRetryEvent) => void): unknown;
  /** Unsubscribes from failovers. */
  off(event: 'failover', listener: (event: MetricsStreamFailoverEvent) => void): unknown;
}

/** Options for {@link instrumentStreams}. */
export interface InstrumentStreamsOptions {
  /** `gen_ai_operation_name` of the streams. @default 'chat' */
  readonly operation?: string;
  /** Count token usage that the stream manager estimated (and price it). @default true */
  readonly recordEstimatedUsage?: boolean;
  /** Milliseconds clock, for the duration of failed and cancelled streams. @default Date.now */
  readonly clock?: () => number;
  /**
   * The `task_type` label of a stream's AI request, read once when the stream starts (or when
   * it ends, for streams that started before the subscription). Values go through the label
   * guard, so keep them to a small fixed set.
   * @default the stream's `metadata.task_type` when it is a non-empty string, else 'default'
   */
  readonly taskType?: (event: MetricsStreamTaskEvent) => string | undefined;
}

const emptyMetadata: Readonly<Record<string, unknown>> = Object.freeze({});

function defaultTaskType(event: MetricsStreamTaskEvent): string | undefined {
  const taskType = event.metadata.task_type;
  return typeof taskType === 'string' && taskType !== '' ? taskType : undefined;
}

interface OpenStream {
  readonly labels: StreamLabels;
  readonly taskType: string;
  readonly startedAt: number;
  lastChunkSeconds: number | undefined;
  /** Labels of the chunks counted since the last recording (the model that sent them). */
  chunkLabels: StreamLabels;
  /** Chunks counted since the last recording. */
  chunks: number;
  /** Times between those chunks, in milliseconds. */
  gapsMs: number[];
}

/**
 * Chunks a stream counts before they are recorded anyway: bounds what an open stream holds
 * between scrapes (a scrape and the stream's end record them too).
 */
const CHUNKS_PER_RECORDING = 16;

// Codes arrive as RATE_LIMITED; labels are snake_case, as in error_type="rate_limited".
function errorTypeOf(code: string | undefined): string {
  return typeof code === 'string' && code !== '' ? code.toLowerCase() : '_OTHER';
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Binds a stream manager to the metric set: active, cancelled and chunk counts, time per
 * output chunk, and on each stream's end one AI request (duration, tokens, time to first
 * chunk, cost) with status success, error (`error_type` = the error code in lower case) or
 * cancelled. Every attempt that failed before a retry or a failover counts as one more AI
 * request with status error (labelled with the model that failed), and the retry or failover
 * itself is counted in `breakwater_ai_retries_total` / `breakwater_ai_failovers_total`.
 * Cost and tokens are labelled by `task_type` (see {@link InstrumentStreamsOptions.taskType}).
 * Streams that started before the subscription count as requests without a duration.
 * Returns a function that unsubscribes; streams still open then leave the active gauge.
 *
 * @example
 * const stop = instrumentStreams(metrics, manager, {
 *   taskType: (stream) => String(stream.metadata.task_type ?? 'default'),
 * });
 */
export function instrumentStreams(
  metrics: Metrics,
  manager: StreamManagerSource,
  options: InstrumentStreamsOptions = {},
): () => void {
  const internals = metricsInternals(metrics);
  const {
    operation = 'chat',
    recordEstimatedUsage = true,
    clock = Date.now,
    taskType = defaultTaskType,
  } = options;
  if (typeof operation !== 'string' || operation === '') {
    throw new TypeError(`operation must be a non-empty string, got ${JSON.stringify(operation)}`);
  }
  if (typeof clock !== 'function')
    throw new TypeError(`clock must be a function, got ${typeof clock}`);
  if (typeof taskType !== 'function') {
    throw new TypeError(`taskType must be a function, got ${typeof taskType}`);
  }
  if (typeof manager?.on !== 'function' || typeof manager.off !== 'function') {
    throw new TypeError('manager must have on() and off()');
  }
  const open = new Map<string, OpenStream>();

  function usageOf(usage: StreamUsageLike | null | undefined) {
    if (!usage || (usage.estimated === true && !recordEstimatedUsage)) return undefined;
    const inputTokens = count(usage.inputTokens);
    const outputTokens = count(usage.outputTokens);
    if (inputTokens === undefined && outputTokens === undefined) return undefined;
    return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
  }

  function taskTypeOf(event: MetricsStreamEventBase): string {
    const metadata =
      event.metadata ??
      (typeof manager.get === 'function' ? manager.get(event.streamId)?.metadata : undefined);
    const value = taskType({
      ...event,
      metadata: metadata !== null && typeof metadata === 'object' ? metadata : emptyMetadata,
    });
    return typeof value === 'string' && value !== '' ? value : 'default';
  }

  // Chunks are counted per stream and recorded in one go: at a scrape, at the stream's end, or
  // every CHUNKS_PER_RECORDING chunks, instead of resolving labels once per chunk.
  function recordChunks(stream: OpenStream) {
    if (stream.chunks === 0) return;
    internals.countStreamChunks(stream.chunkLabels, stream.chunks, stream.gapsMs);
    stream.chunks = 0;
    stream.gapsMs = [];
  }

  const recordAllChunks = () => {
    for (const stream of open.values()) recordChunks(stream);
  };

  function close(streamId: string, outcome: 'complete' | 'error' | 'cancelled', reason?: string) {
    const stream = open.get(streamId);
    if (!stream) return undefined;
    open.delete(streamId);
    recordChunks(stream);
    metrics.recordStreamEnd({ ...stream.labels, outcome, reason });
    return stream;
  }

  const onStart = (event: MetricsStreamEventBase) => {
    if (open.has(event.streamId)) return;
    const labels = { provider: event.provider, model: event.model, operation };
    open.set(event.streamId, {
      labels,
      taskType: taskTypeOf(event),
      startedAt: clock(),
      lastChunkSeconds: undefined,
      chunkLabels: labels,
      chunks: 0,
      gapsMs: [],
    });
    metrics.recordStreamStart(labels);
  };

  const onChunk = (event: MetricsStreamChunkEvent) => {
    const stream = open.get(event.streamId);
    if (!stream) {
      // Started before the subscription: no previous chunk to time against.
      metrics.recordStreamChunk({ provider: event.provider, model: event.model, operation });
      return;
    }
    const labels = stream.chunkLabels;
    if (labels.provider !== event.provider || labels.model !== event.model) {
      recordChunks(stream);
      stream.chunkLabels = { provider: event.provider, model: event.model, operation };
    }
    stream.chunks++;
    const elapsed = count(event.elapsedSeconds);
    if (elapsed !== undefined) {
      if (stream.lastChunkSeconds !== undefined) {
        stream.gapsMs.push(Math.max(0, elapsed - stream.lastChunkSeconds) * 1000);
      }
      stream.lastChunkSeconds = elapsed;
    }
    if (stream.chunks >= CHUNKS_PER_RECORDING) recordChunks(stream);
  };

  const onComplete = (event: MetricsStreamCompleteEvent) => {
    const stream = close(event.streamId, 'complete');
    metrics.recordAiRequest({
      provider: event.provider,
      model: event.model,
      operation,
      durationMs: count(event.durationMs),
      status: 'success',
      usage: usageOf(event.usage),
      timeToFirstChunkMs: count(event.ttftMs),
      taskType: stream?.taskType ?? taskTypeOf(event),
    });
  };

  const onError = (event: MetricsStreamErrorEvent) => {
    const stream = close(event.streamId, 'error');
    metrics.recordAiRequest({
      provider: event.provider,
      model: event.model,
      operation,
      durationMs: stream ? Math.max(0, clock() - stream.startedAt) : undefined,
      status: 'error',
      errorType: errorTypeOf(event.code),
      usage: usageOf(event.usage),
      taskType: stream?.taskType ?? taskTypeOf(event),
    });
  };

  const onCancelled = (event: MetricsStreamCancelledEvent) => {
    const reason =
      typeof event.reason === 'string' && event.reason !== '' ? event.reason : undefined;
    const stream = close(event.streamId, 'cancelled', reason);
    metrics.recordAiRequest({
      provider: event.provider,
      model: event.model,
      operation,
      durationMs: stream ? Math.max(0, clock() - stream.startedAt) : undefined,
      status: 'cancelled',
      usage: usageOf(event.usage),
      taskType: stream?.taskType ?? taskTypeOf(event),
    });
  };

  const onAttemptFailed = (event: MetricsStreamAttemptFailedEvent) => {
    // The last attempt (next: 'none') is counted by the `error` event that follows it.
    if (event.next === 'none') return;
    metrics.recordAiRequest({
      provider: event.provider,
      model: event.model,
      operation,
      status: 'error',
      errorType: errorTypeOf(event.code),
    });
  };

  const onRetry = (event: MetricsStreamRetryEvent) =>
    metrics.recordAiRetry({
      provider: event.provider,
      model: event.model,
      operation,
      errorType: errorTypeOf(event.code),
    });

  const onFailover = (event: MetricsStreamFailoverEvent) =>
    metrics.recordAiFailover({
      provider: event.fromProvider,
      model: event.fromModel,
      operation,
      errorType: errorTypeOf(event.code),
    });

  const removeChunkFlush = internals.addChunkFlush(recordAllChunks);
  manager.on('start', onStart);
  manager.on('chunk', onChunk);
  manager.on('complete', onComplete);
  manager.on('error', onError);
  manager.on('cancelled', onCancelled);
  manager.on('attempt_failed', onAttemptFailed);
  manager.on('retry', onRetry);
  manager.on('failover', onFailover);

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    manager.off('start', onStart);
    manager.off('chunk', onChunk);
    manager.off('complete', onComplete);
    manager.off('error', onError);
    manager.off('cancelled', onCancelled);
    manager.off('attempt_failed', onAttemptFailed);
    manager.off('retry', onRetry);
    manager.off('failover', onFailover);
    removeChunkFlush();
    for (const stream of open.values()) {
      recordChunks(stream);
      metrics.recordStreamEnd({ ...stream.labels, outcome: 'complete' });
    }
    open.clear();
  };
}
