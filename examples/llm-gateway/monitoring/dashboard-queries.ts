/**
 * Metric names and PromQL helpers shared by the dashboard definitions
 * (ai-performance-dashboard.ts, cost-tracking-dashboard.ts, system-health-dashboard.ts).
 */

/** Metric names exported by @breakwater/metrics (see docs/metrics.md). */
export const metricNames = {
  aiRequests: 'breakwater_ai_requests_total',
  aiRetries: 'breakwater_ai_retries_total',
  aiFailovers: 'breakwater_ai_failovers_total',
  aiCost: 'breakwater_ai_cost_usd_total',
  operationDuration: 'gen_ai_client_operation_duration_seconds',
  tokenUsage: 'gen_ai_client_token_usage',
  timeToFirstChunk: 'gen_ai_client_operation_time_to_first_chunk_seconds',
  cacheHits: 'breakwater_response_cache_hits_total',
  cacheMisses: 'breakwater_response_cache_misses_total',
  cacheKeys: 'breakwater_response_cache_keys',
  websocketConnections: 'breakwater_websocket_connections',
  websocketMessages: 'breakwater_websocket_messages_total',
  breakerState: 'breakwater_circuit_breaker_state',
  rateLimitDecisions: 'breakwater_rate_limit_decisions_total',
  concurrencyInFlight: 'breakwater_concurrency_in_flight',
  concurrencyWait: 'breakwater_concurrency_wait_seconds',
  concurrencyRejections: 'breakwater_concurrency_rejections_total',
  httpRequests: 'breakwater_http_requests_total',
  dbOperations: 'breakwater_db_operations_total',
} as const;

/** A per-second rate over Grafana's `$__rate_interval`. */
export const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
