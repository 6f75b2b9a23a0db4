/**
 * The complete metric set as data: names, types, labels, units, meaning and how each metric
 * aggregates across node:cluster workers. Dashboards and alert rules are built on these
 * exact names, so they are part of the public contract and change only with a major version.
 */

/** OpenTelemetry GenAI bucket boundaries for durations in seconds (0.01 s doubling to 81.92 s). */
export const GEN_AI_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/** OpenTelemetry GenAI bucket boundaries for token counts (powers of 4 from 1 to 67,108,864). */
export const GEN_AI_TOKEN_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/** OpenTelemetry HTTP semantic-convention bucket boundaries for server request durations in seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** Bucket boundaries for database and cache round trips in seconds (0.5 ms to 5 s). */
export const DB_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** Bucket boundaries for concurrency-slot waits in seconds (1 ms to 30 s). */
export const CONCURRENCY_WAIT_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/** The Prometheus metric types this package emits. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * How node:cluster aggregation merges one metric's per-worker values (prom-client's
 * `aggregator`): `sum` for counters, histograms and additive gauges; `max` for gauges that
 * answer "is it so in any worker".
 */
export type MetricAggregator = 'sum' | 'max';

/** One metric of the set, as data. */
export interface MetricDefinition {
  /** The key under which the metric appears in {@link METRIC_NAMES} and `metrics.names`. */
  readonly key: MetricKey;
  /** Exposition name with the default `breakwater_` prefix (OpenTelemetry GenAI names carry no prefix). */
  readonly name: string;
  /** The Prometheus metric type. */
  readonly type: MetricType;
  /** Label names, in the order prom-client declares them. */
  readonly labelNames: readonly string[];
  /** Base unit of the value: `seconds`, `tokens`, `usd` or `1` for counts and states. */
  readonly unit: 'seconds' | 'tokens' | 'usd' | '1';
  /** HELP text: what one sample means. */
  readonly help: string;
  /** How node:cluster aggregation merges the workers' values. */
  readonly aggregator: MetricAggregator;
  /** Default bucket boundaries (histograms only). */
  readonly buckets?: readonly number[];
  /** Whether the name follows an OpenTelemetry semantic convention (and so ignores `prefix`). */
  readonly semconv: boolean;
}

const GEN_AI_LABELS = [
  'gen_ai_operation_name',
  'gen_ai_provider_name',
  'gen_ai_request_model',
] as const;
const STREAM_LABELS = ['gen_ai_provider_name', 'gen_ai_request_model'] as const;

/** The metric set as literal data, so keys and label names are typed; {@link METRIC_DEFINITIONS} is its frozen public view. */
const definitions = [
  {
    key: 'operationDuration',
    name: 'gen_ai_client_operation_duration_seconds',
    type: 'histogram',
    labelNames: [...GEN_AI_LABELS, 'error_type'],
    unit: 'seconds',
    help: 'GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration); error_type is set on failed operations only.',
    aggregator: 'sum',
    buckets: GEN_AI_DURATION_BUCKETS,
    semconv: true,
  },
  {
    key: 'tokenUsage',
    name: 'gen_ai_client_token_usage',
    type: 'histogram',
    labelNames: [...GEN_AI_LABELS, 'gen_ai_token_type'],
    unit: 'tokens',
    help: 'Input and output tokens used per GenAI operation (OpenTelemetry gen_ai.client.token.usage); input includes cached tokens.',
    aggregator: 'sum',
    buckets: GEN_AI_TOKEN_BUCKETS,
    semconv: true,
  },
  {
    key: 'timeToFirstChunk',
    name: 'gen_ai_client_operation_time_to_first_chunk_seconds',
    type: 'histogram',
    labelNames: GEN_AI_LABELS,
    unit: 'seconds',
    help: 'Time from issuing a streaming GenAI request to receiving its first chunk (OpenTelemetry gen_ai.client.operation.time_to_first_chunk).',
    aggregator: 'sum',
    buckets: GEN_AI_DURATION_BUCKETS,
    semconv: true,
  },
  {
    key: 'timePerOutputChunk',
    name: 'gen_ai_client_operation_time_per_output_chunk_seconds',
    type: 'histogram',
    labelNames: GEN_AI_LABELS,
    unit: 'seconds',
    help: 'Time between consecutive output chunks after the first one (OpenTelemetry gen_ai.client.operation.time_per_output_chunk).',
    aggregator: 'sum',
    buckets: GEN_AI_DURATION_BUCKETS,
    semconv: true,
  },
  {
    key: 'aiRequests',
    name: 'breakwater_ai_requests_total',
    type: 'counter',
    labelNames: [...GEN_AI_LABELS, 'status', 'error_type'],
    unit: '1',
    help: 'AI requests (model calls) by model and status (success, error, cancelled); every failed attempt counts as an error, also one a retry or failover hid; error_type is set on errors only.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'aiRetries',
    name: 'breakwater_ai_retries_total',
    type: 'counter',
    labelNames: [...GEN_AI_LABELS, 'error_type'],
    unit: '1',
    help: 'Retries of the same model before its first token, by the error of the attempt they replace.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'aiFailovers',
    name: 'breakwater_ai_failovers_total',
    type: 'counter',
    labelNames: [...GEN_AI_LABELS, 'error_type'],
    unit: '1',
    help: 'Moves from a model to the next one before the first token; the labels name the model left behind and why.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'aiCost',
    name: 'breakwater_ai_cost_usd_total',
    type: 'counter',
    labelNames: ['gen_ai_provider_name', 'gen_ai_request_model', 'task_type'],
    unit: 'usd',
    help: 'Cost of AI requests in US dollars, from the price table; unpriced models are counted in breakwater_ai_unpriced_requests_total instead.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'aiUnpricedRequests',
    name: 'breakwater_ai_unpriced_requests_total',
    type: 'counter',
    labelNames: ['gen_ai_provider_name', 'gen_ai_request_model', 'task_type'],
    unit: '1',
    help: 'AI requests whose model has no price in the price table (gen_ai_request_model="unknown"); their cost is not in breakwater_ai_cost_usd_total.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'cacheHits',
    name: 'breakwater_response_cache_hits_total',
    type: 'counter',
    labelNames: ['cache'],
    unit: '1',
    help: 'Response-cache lookups that found a cached response.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'cacheMisses',
    name: 'breakwater_response_cache_misses_total',
    type: 'counter',
    labelNames: ['cache'],
    unit: '1',
    help: 'Response-cache lookups that found nothing.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'cacheSets',
    name: 'breakwater_response_cache_sets_total',
    type: 'counter',
    labelNames: ['cache'],
    unit: '1',
    help: 'Responses written to the response cache.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'cacheEvictions',
    name: 'breakwater_response_cache_evictions_total',
    type: 'counter',
    labelNames: ['cache'],
    unit: '1',
    help: 'Entries evicted from the response cache (capacity or expiry).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'cacheKeys',
    name: 'breakwater_response_cache_keys',
    type: 'gauge',
    labelNames: ['cache'],
    unit: '1',
    help: 'Keys held in the response cache at scrape time (summed over cluster workers, one cache per worker).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'websocketConnections',
    name: 'breakwater_websocket_connections',
    type: 'gauge',
    labelNames: [],
    unit: '1',
    help: 'Open WebSocket connections.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'websocketMessages',
    name: 'breakwater_websocket_messages_total',
    type: 'counter',
    labelNames: ['direction'],
    unit: '1',
    help: 'WebSocket messages by direction (inbound from clients, outbound to clients).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'breakerState',
    name: 'breakwater_circuit_breaker_state',
    type: 'gauge',
    labelNames: ['breaker', 'state'],
    unit: '1',
    help: 'Circuit-breaker state, one-hot: 1 for the current state (closed, open, half_open, forced_open, disabled), 0 for the others; max over cluster workers.',
    aggregator: 'max',
    semconv: false,
  },
  {
    key: 'breakerTransitions',
    name: 'breakwater_circuit_breaker_transitions_total',
    type: 'counter',
    labelNames: ['breaker', 'from', 'to'],
    unit: '1',
    help: 'Circuit-breaker state transitions.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'breakerCalls',
    name: 'breakwater_circuit_breaker_calls_total',
    type: 'counter',
    labelNames: ['breaker', 'result'],
    unit: '1',
    help: 'Calls through a circuit breaker by result (success, failure, rejected, ignored).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'breakerSlowCalls',
    name: 'breakwater_circuit_breaker_slow_calls_total',
    type: 'counter',
    labelNames: ['breaker'],
    unit: '1',
    help: 'Calls through a circuit breaker that exceeded its slow-call threshold.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'rateLimitDecisions',
    name: 'breakwater_rate_limit_decisions_total',
    type: 'counter',
    labelNames: ['tier', 'result', 'reason'],
    unit: '1',
    help: 'Rate-limit decisions by tier and result (allowed, denied, shadow_denied) with the reason.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'rateLimitNearLimit',
    name: 'breakwater_rate_limit_near_limit_total',
    type: 'counter',
    labelNames: ['tier'],
    unit: '1',
    help: 'Rate-limit decisions that left a key close to its limit.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'rateLimitFallbackActive',
    name: 'breakwater_rate_limit_fallback_active',
    type: 'gauge',
    labelNames: [],
    unit: '1',
    help: '1 while the rate limiter runs on its fallback because its store is unavailable; max over cluster workers.',
    aggregator: 'max',
    semconv: false,
  },
  {
    key: 'concurrencyInFlight',
    name: 'breakwater_concurrency_in_flight',
    type: 'gauge',
    labelNames: ['limiter'],
    unit: '1',
    help: 'Concurrency slots held (requests in flight) across all keys of a concurrency limiter.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'concurrencyWait',
    name: 'breakwater_concurrency_wait_seconds',
    type: 'histogram',
    labelNames: ['limiter'],
    unit: 'seconds',
    help: 'Time a request waited for a concurrency slot before it got one (0 when a slot was free).',
    aggregator: 'sum',
    buckets: CONCURRENCY_WAIT_BUCKETS,
    semconv: false,
  },
  {
    key: 'concurrencyRejections',
    name: 'breakwater_concurrency_rejections_total',
    type: 'counter',
    labelNames: ['limiter', 'reason'],
    unit: '1',
    help: 'Requests refused a concurrency slot, by reason (limit, queue_full, timeout, aborted).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'concurrencyLeasesLost',
    name: 'breakwater_concurrency_leases_lost_total',
    type: 'counter',
    labelNames: ['limiter'],
    unit: '1',
    help: 'Concurrency slots that expired in the store while their holder still worked (it was paused longer than the lease lasts), so another request may have taken them.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'concurrencyStoreErrors',
    name: 'breakwater_concurrency_store_errors_total',
    type: 'counter',
    labelNames: ['limiter'],
    unit: '1',
    help: "Failures of a concurrency limiter's store.",
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'streamChunks',
    name: 'breakwater_stream_chunks_total',
    type: 'counter',
    labelNames: STREAM_LABELS,
    unit: '1',
    help: 'Streamed output chunks delivered.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'streamsActive',
    name: 'breakwater_streams_active',
    type: 'gauge',
    labelNames: STREAM_LABELS,
    unit: '1',
    help: 'Streams in progress.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'streamsCancelled',
    name: 'breakwater_streams_cancelled_total',
    type: 'counter',
    labelNames: [...STREAM_LABELS, 'reason'],
    unit: '1',
    help: 'Streams cancelled before completion, by reason.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'httpRequests',
    name: 'breakwater_http_requests_total',
    type: 'counter',
    labelNames: ['method', 'route', 'status_code'],
    unit: '1',
    help: 'HTTP requests served, by route template and status code.',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'httpRequestDuration',
    name: 'breakwater_http_request_duration_seconds',
    type: 'histogram',
    labelNames: ['method', 'route', 'status_code'],
    unit: 'seconds',
    help: 'HTTP request duration, by route template and status code.',
    aggregator: 'sum',
    buckets: HTTP_DURATION_BUCKETS,
    semconv: false,
  },
  {
    key: 'dbOperations',
    name: 'breakwater_db_operations_total',
    type: 'counter',
    labelNames: ['db_system', 'operation', 'status'],
    unit: '1',
    help: 'Database operations by system, operation and status (success, error).',
    aggregator: 'sum',
    semconv: false,
  },
  {
    key: 'dbOperationDuration',
    name: 'breakwater_db_operation_duration_seconds',
    type: 'histogram',
    labelNames: ['db_system', 'operation'],
    unit: 'seconds',
    help: 'Database operation duration, by system and operation.',
    aggregator: 'sum',
    buckets: DB_DURATION_BUCKETS,
    semconv: false,
  },
] as const satisfies ReadonlyArray<Omit<MetricDefinition, 'key'> & { key: string }>;

/** The key of one metric of the set (`operationDuration`, `aiCost`, …). */
export type MetricKey = (typeof definitions)[number]['key'];

/** Label names of the metric under `Key`. */
export type MetricLabelName<Key extends MetricKey> = Extract<
  (typeof definitions)[number],
  { key: Key }
>['labelNames'][number];

/** Every metric of the set, in exposition order. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = Object.freeze(
  definitions.map((definition) => Object.freeze({ ...definition }) as MetricDefinition),
);

/** Metric key → exposition name, as emitted with the default `breakwater_` prefix. */
export type MetricNames = { readonly [Key in MetricKey]: string };

/**
 * Every metric name with the default prefix, keyed like `metrics.names`. Build dashboards and
 * alert rules on these: `METRIC_NAMES.aiCost === 'breakwater_ai_cost_usd_total'`.
 */
export const METRIC_NAMES: MetricNames = Object.freeze(
  Object.fromEntries(definitions.map((definition) => [definition.key, definition.name])),
) as MetricNames;

/** The default prefix of every metric that has no OpenTelemetry semantic convention. */
export const DEFAULT_PREFIX = 'breakwater_';

/** The keys of the histogram metrics, whose bucket boundaries `createMetrics({ buckets })` may override. */
export type HistogramMetricKey = Extract<
  (typeof definitions)[number],
  { type: 'histogram' }
>['key'];
