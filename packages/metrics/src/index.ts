export { createClusterAggregator, exposeToClusterPrimary } from './cluster-metrics.js';
export {
  type CostCalculator,
  type CostCalculatorOptions,
  createCostCalculator,
  type ResolvedPrice,
  type TokenUsage,
  type UnknownModelEvent,
} from './cost-calculator.js';
export { createMetrics } from './create-metrics.js';
export type { CreateMetricsOptions } from './create-metrics-options.js';
export {
  type BreakerEventSource,
  type BreakerRegistrySource,
  type BreakerSource,
  type BreakerStateSnapshot,
  instrumentBreakers,
  type MetricsBreakerCallEvent,
  type MetricsBreakerCallEventName,
  type MetricsBreakerStateChangeEvent,
} from './instrument-breakers.js';
export {
  type InstrumentCacheOptions,
  instrumentCache,
  type ResponseCacheEventName,
  type ResponseCacheSource,
} from './instrument-cache.js';
export {
  type ConcurrencyLimiterSource,
  type InstrumentConcurrencyOptions,
  instrumentConcurrency,
  type MetricsConcurrencyAcquiredEvent,
  type MetricsConcurrencyRejectedEvent,
} from './instrument-concurrency.js';
export {
  instrumentRateLimiter,
  type MetricsRateLimitDecisionEvent,
  type MetricsRateLimitNearLimitEvent,
  type RateLimitDecisionLike,
  type RateLimiterSource,
} from './instrument-rate-limiter.js';
export {
  type InstrumentStreamsOptions,
  instrumentStreams,
  type MetricsStreamAttemptFailedEvent,
  type MetricsStreamCancelledEvent,
  type MetricsStreamChunkEvent,
  type MetricsStreamCompleteEvent,
  type MetricsStreamErrorEvent,
  type MetricsStreamEventBase,
  type MetricsStreamFailoverEvent,
  type MetricsStreamRetryEvent,
  type StreamManagerSource,
  type StreamUsageLike,
} from './instrument-streams.js';
export {
  type ModelAllowlistEntry,
  OTHER_LABEL_VALUE,
  UNKNOWN_MODEL_LABEL_VALUE,
} from './label-guard.js';
export {
  CONCURRENCY_WAIT_BUCKETS,
  DB_DURATION_BUCKETS,
  DEFAULT_PREFIX,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  type HistogramMetricKey,
  HTTP_DURATION_BUCKETS,
  METRIC_DEFINITIONS,
  METRIC_NAMES,
  type MetricAggregator,
  type MetricDefinition,
  type MetricKey,
  type MetricNames,
  type MetricType,
} from './metric-definitions.js';
export {
  type AiRequest,
  type AiRequestStatus,
  BREAKER_STATE_LABELS,
  type CacheEvent,
  type DbOperation,
  type FailedAttempt,
  type HttpRequest,
  type Metrics,
  type StreamChunk,
  type StreamEnd,
  type StreamLabels,
} from './metrics.js';
export {
  createFastifyMetricsHandler,
  createFetchMetricsHandler,
  createNodeMetricsHandler,
  type FastifyMetricsReply,
  type NodeResponseLike,
} from './metrics-handlers.js';
export {
  DEFAULT_PRICE_TABLE,
  type ModelPrice,
  PRICE_TABLE_DATE,
  type PriceTable,
} from './price-table.js';
export { type MetricsSource, PROMETHEUS_CONTENT_TYPE } from './prom-client-backend.js';
