/**
 * The metric set's public shape: the `Metrics` object `createMetrics()` returns, the records its
 * recorders take, and the internals the instrument* bindings reach through a registered symbol.
 */
import type { CostCalculator, TokenUsage } from './cost-calculator.js';
import type { MetricNames } from './metric-definitions.js';
import type { MetricsSource, Registry } from './prom-client-backend.js';

/** The result of an AI request, as {@link Metrics.recordAiRequest} counts it. */
export type AiRequestStatus = 'success' | 'error' | 'cancelled';

/** One AI request (one model call), streamed or not. */
export interface AiRequest {
  /**
   * OpenTelemetry `gen_ai.provider.name`: `openai`, `anthropic`, `gcp.gemini`, … The short names
   * `gemini`, `google`, `vertex`, `bedrock` and `azure` are mapped to the convention's values.
   */
  readonly provider: string;
  /** The requested model id. Labelled through the allowlist; priced through the cost calculator. */
  readonly model: string;
  /** OpenTelemetry `gen_ai.operation.name`: `chat`, `embeddings`, `text_completion`, … @default 'chat' */
  readonly operation?: string;
  /** Wall time from sending the request to its last byte; omit when unknown (no duration is recorded). */
  readonly durationMs?: number;
  /** @default 'error' when `errorType` is set, otherwise 'success' */
  readonly status?: AiRequestStatus;
  /** Low-cardinality error class (`rate_limited`, `timeout`, `500`, …), for failed requests. */
  readonly errorType?: string;
  /** Billed token counts; omit when the provider did not report them. */
  readonly usage?: TokenUsage;
  /** Time to the first streamed chunk, for streaming requests. */
  readonly timeToFirstChunkMs?: number;
  /** What the request was for (`summarize`, `chat`, …), for cost by task. @default 'default' */
  readonly taskType?: string;
}

/** A failed attempt that a retry or a failover replaced, as {@link Metrics.recordAiRetry} counts it. */
export interface FailedAttempt {
  /** OpenTelemetry `gen_ai.provider.name` of the attempt (short names are mapped, as for {@link AiRequest.provider}). */
  readonly provider: string;
  /** The model id of the attempt, labelled through the allowlist. */
  readonly model: string;
  /** @default 'chat' */
  readonly operation?: string;
  /** Low-cardinality error class of the attempt (`rate_limited`, `first_token_timeout`, …). @default '_OTHER' */
  readonly errorType?: string;
}

/** Identifies the series of one stream. */
export interface StreamLabels {
  /** OpenTelemetry `gen_ai.provider.name` (short names are mapped, as for {@link AiRequest.provider}). */
  readonly provider: string;
  /** The requested model id, labelled through the allowlist. */
  readonly model: string;
  /** @default 'chat' */
  readonly operation?: string;
}

/** One streamed output chunk. */
export interface StreamChunk extends StreamLabels {
  /** Time since the previous chunk; omit for the first chunk of a stream. */
  readonly sincePreviousChunkMs?: number;
}

/** The end of one stream. */
export interface StreamEnd extends StreamLabels {
  /** How the stream ended; `cancelled` is counted in `breakwater_streams_cancelled_total`. */
  readonly outcome: 'complete' | 'error' | 'cancelled';
  /** Why a cancelled stream was cancelled (`client_disconnected`, `timeout`, …). @default 'unspecified' */
  readonly reason?: string;
}

/** One HTTP request served. */
export interface HttpRequest {
  /** The HTTP method; methods outside the standard nine are labelled `other`. */
  readonly method: string;
  /** The route template (`/v1/chat/:id`), never the raw path. */
  readonly route: string;
  /** The response status; values outside 100–599 are labelled `other`. */
  readonly statusCode: number;
  /** Time from receiving the request to sending the response, in milliseconds. */
  readonly durationMs: number;
}

/** One database (or Redis) operation. */
export interface DbOperation {
  /** `redis`, `postgresql`, … */
  readonly system: string;
  /** `get`, `evalsha`, `select`, … */
  readonly operation: string;
  /** Duration of the operation in milliseconds. */
  readonly durationMs: number;
  /** @default 'success' */
  readonly status?: 'success' | 'error';
}

/** Response-cache events, as the response cache emits them. */
export type CacheEvent = 'hit' | 'miss' | 'set' | 'evict';

/** The five circuit-breaker states, as label values of `breakwater_circuit_breaker_state`. */
export const BREAKER_STATE_LABELS = [
  'closed',
  'open',
  'half_open',
  'forced_open',
  'disabled',
] as const;

/** The metric set on one registry, with typed recorders that apply the cardinality guards. */
export interface Metrics extends MetricsSource {
  /** The registry the metrics live on. */
  readonly registry: Registry;
  /** Exposition name of every metric, with this instance's prefix. */
  readonly names: MetricNames;
  /** The calculator behind `breakwater_ai_cost_usd_total`. */
  readonly costCalculator: CostCalculator;
  /** The exposition text of the registry. */
  metrics(): Promise<string>;
  /**
   * Records one AI request: its count, duration, token usage, time to first chunk and cost.
   * Returns its cost in US dollars, or `undefined` when it had no usage or no price.
   */
  recordAiRequest(request: AiRequest): number | undefined;
  /** The same model is tried again after `attempt` failed: counts `breakwater_ai_retries_total`. */
  recordAiRetry(attempt: FailedAttempt): void;
  /** The next model is tried after `attempt` failed: counts `breakwater_ai_failovers_total` for the model left. */
  recordAiFailover(attempt: FailedAttempt): void;
  /** A stream started: `breakwater_streams_active` goes up. */
  recordStreamStart(stream: StreamLabels): void;
  /** A chunk was delivered: counts it and records the time since the previous chunk. */
  recordStreamChunk(chunk: StreamChunk): void;
  /** A stream ended: `breakwater_streams_active` goes down; cancellations are counted. */
  recordStreamEnd(stream: StreamEnd): void;
  /** A response-cache event. `cache` names the cache. @default cache 'response' */
  recordCacheEvent(event: CacheEvent, cache?: string): void;
  /** An HTTP request was served. */
  recordHttpRequest(request: HttpRequest): void;
  /** A database operation finished. */
  recordDbOperation(operation: DbOperation): void;
  /** A WebSocket connection opened. */
  recordWebSocketOpen(): void;
  /** A WebSocket connection closed. */
  recordWebSocketClose(): void;
  /** WebSocket messages received (`inbound`) or sent (`outbound`). @default count 1 */
  recordWebSocketMessage(direction: 'inbound' | 'outbound', count?: number): void;
  /** A breaker's current state (for breakers not bound with `instrumentBreakers`, e.g. opossum). */
  recordBreakerState(breaker: string, state: string): void;
  /** A breaker changed state: counts the transition and sets the state gauge. */
  recordBreakerTransition(transition: { breaker: string; from: string; to: string }): void;
  /** A call through a breaker ended or was rejected. */
  recordBreakerCall(breaker: string, result: 'success' | 'failure' | 'rejected' | 'ignored'): void;
  /** A rate-limit decision. `shadow` denials were allowed through in shadow mode. */
  recordRateLimitDecision(decision: {
    tier: string;
    allowed: boolean;
    reason: string;
    shadow?: boolean;
  }): void;
}

/** What the instrument* bindings need beyond the public recorders. */
export interface MetricsInternals {
  readonly countBreakerTransition: (breaker: string, from: string, to: string) => void;
  readonly countBreakerSlowCall: (breaker: string) => void;
  readonly countNearLimit: (tier: string) => void;
  readonly setFallbackEngaged: (source: object, engaged: boolean) => void;
  /** Adds a scrape-time source of breaker states; returns its removal. */
  readonly addBreakerStates: (list: () => Iterable<{ name: string; state: string }>) => () => void;
  /** Adds a scrape-time source of a cache's key count; returns its removal. */
  readonly addCacheSize: (cache: string, size: () => number) => () => void;
  /** Maps a raw model id to its label. */
  readonly modelLabel: (model: string) => string;
  /**
   * `chunks` chunks of one stream, recorded together: what `recordStreamChunk` records once per
   * chunk, with `gapsMs` the times between consecutive chunks among them.
   */
  readonly countStreamChunks: (
    stream: StreamLabels,
    chunks: number,
    gapsMs: readonly number[],
  ) => void;
  /** Adds a function that records counted chunks before every scrape; returns its removal. */
  readonly addChunkFlush: (flush: () => void) => () => void;
  /** A concurrency slot was granted after `waitedMs`. */
  readonly concurrencyAcquired: (limiter: string, waitedMs: number) => void;
  /** A concurrency slot was given back. */
  readonly concurrencyReleased: (limiter: string) => void;
  /** A concurrency slot was refused. */
  readonly concurrencyRejected: (limiter: string, reason: string) => void;
  /** A held slot expired in the store before its holder released it. */
  readonly concurrencyLeaseLost: (limiter: string) => void;
  /** The concurrency limiter's store failed. */
  readonly concurrencyStoreError: (limiter: string) => void;
}

// A registered symbol, so instrument* of one copy of the package accepts Metrics of another.
const INTERNALS = Symbol.for('breakwater.metrics.MetricsInternals');

/** Gives `metrics` its internals, where {@link metricsInternals} finds them. */
export function attachInternals(metrics: Metrics, internals: MetricsInternals): void {
  // Not enumerable: a spread or JSON copy of the object is not a Metrics.
  Object.defineProperty(metrics, INTERNALS, { value: internals });
}

/** The internals of a `Metrics` made by `createMetrics()`; a TypeError for anything else. */
export function metricsInternals(metrics: Metrics): MetricsInternals {
  const internals =
    typeof metrics === 'object' && metrics !== null
      ? (metrics as unknown as Record<symbol, MetricsInternals | undefined>)[INTERNALS]
      : undefined;
  if (!internals) throw new TypeError('metrics must be created by createMetrics()');
  return internals;
}
