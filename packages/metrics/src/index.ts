export { createClusterAggregator, exposeToClusterPrimary } from './cluster-metrics.js';
export {
  type CostCalculator,
  type CostCalculatorOptions,
  createCostCalculator,
  type ResolvedPrice,
  type TokenUsage,
  type UnknownModelEvent,
} from './cost-calculator.js';
export {
  type AiRequest,
  type AiRequestStatus,
  BREAKER_STATE_LABELS,
  type CacheEvent,
  type CreateMetricsOptions,
  createMetrics,
  type DbOperation,
  type HttpRequest,
  type Metrics,
  type StreamChunk,
  type StreamEnd,
  type StreamLabels,
} from './create-metrics.js';
export {
  type BreakerCallEvent,
  type BreakerCallEventName,
  type BreakerRegistryLike,
  type BreakerStateChangeEvent,
  type BreakerStateSnapshot,
  instrumentBreakers,
} from './instrument-breakers.js';
export {
  type InstrumentCacheOptions,
  instrumentCache,
  type ResponseCacheEventName,
  type ResponseCacheLike,
} from './instrument-cache.js';
export {
  instrumentRateLimiter,
  type RateLimitDecisionEvent,
  type RateLimitDecisionLike,
  type RateLimiterLike,
  type RateLimitNearLimitEvent,
} from './instrument-rate-limiter.js';
export {
  type InstrumentStreamsOptions,
  instrumentStreams,
  type StreamCancelledEvent,
  type StreamChunkEvent,
  type StreamCompleteEvent,
  type StreamErrorEvent,
  type StreamEventBase,
  type StreamManagerLike,
  type StreamUsageLike,
} from './instrument-streams.js';
export {
  type ModelAllowlistEntry,
  OTHER_LABEL_VALUE,
  UNKNOWN_MODEL_LABEL_VALUE,
} from './label-guard.js';
export {
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
  createFastifyMetricsHandler,
  createFetchMetricsHandler,
  createNodeMetricsHandler,
  type FastifyReplyLike,
  type NodeResponseLike,
} from './metrics-handlers.js';
export {
  DEFAULT_PRICE_TABLE,
  type ModelPrice,
  PRICE_TABLE_DATE,
  type PriceTable,
} from './price-table.js';
export { type MetricsSource, PROMETHEUS_CONTENT_TYPE } from './prom-client-backend.js';
