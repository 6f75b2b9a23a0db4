/**
 * Source of the three Grafana dashboards in grafana/dashboards/. Run
 * `pnpm --filter @breakwater/llm-gateway dashboards` after editing; a test checks the JSON
 * files match this source, and another runs every expression against a real Prometheus.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboard, type GrafanaDashboard } from './grafana-model.js';

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

const m = metricNames;

const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;

/** The error types of calls that ran out of time: no first token, a stalled stream, the deadline. */
const TIMEOUT_ERRORS = 'first_token_timeout|idle_timeout|deadline_exceeded';

/** AI performance: traffic, latency, success, tokens, cost, cache, WebSockets. */
export const aiPerformance = dashboard({
  uid: 'breakwater-ai-performance',
  title: 'Breakwater / AI performance',
  description: 'Requests, latency, success rate, tokens and cost per model.',
  refresh: '10s',
  from: 'now-1h',
  panels: [
    {
      type: 'timeseries',
      title: 'AI requests per second by model and status',
      description: 'Completed model calls per second, split by model and outcome.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model, status) (${rate(m.aiRequests)})`,
          legend: '{{gen_ai_request_model}} {{status}}',
        },
      ],
      unit: 'reqps',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Request latency p50 and p95',
      description: 'Duration of model calls from request to last token, per model.',
      targets: [
        {
          expr: `histogram_quantile(0.5, sum by (le, gen_ai_request_model) (${rate(`${m.operationDuration}_bucket`)}))`,
          legend: 'p50 {{gen_ai_request_model}}',
        },
        {
          expr: `histogram_quantile(0.95, sum by (le, gen_ai_request_model) (${rate(`${m.operationDuration}_bucket`)}))`,
          legend: 'p95 {{gen_ai_request_model}}',
        },
      ],
      unit: 's',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Success rate by model',
      description: 'Share of model calls that completed without error.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model) (${rate(`${m.aiRequests}{status="success"}`)}) / sum by (gen_ai_request_model) (${rate(m.aiRequests)})`,
          legend: '{{gen_ai_request_model}}',
        },
      ],
      unit: 'percentunit',
      min: 0,
      max: 1,
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Token usage',
      description: 'Input and output tokens per second across all models.',
      targets: [
        {
          expr: `sum by (gen_ai_token_type) (${rate(`${m.tokenUsage}_sum`)})`,
          legend: '{{gen_ai_token_type}}',
        },
      ],
      unit: 'short',
      w: 12,
      h: 8,
    },
    {
      type: 'stat',
      title: 'Total AI cost',
      description: 'Spend in USD since the gateway started (counter resets restart it).',
      targets: [{ expr: `sum(${m.aiCost})`, instant: true }],
      unit: 'currencyUSD',
      decimals: 4,
      w: 6,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Total requests',
      description: 'Model calls since the gateway started.',
      targets: [{ expr: `sum(${m.aiRequests})`, instant: true }],
      unit: 'short',
      w: 6,
      h: 5,
    },
    {
      type: 'gauge',
      title: 'Cache hit rate',
      description: 'Share of chat requests answered from the response cache.',
      targets: [
        {
          expr: `sum(${rate(m.cacheHits)}) / (sum(${rate(m.cacheHits)}) + sum(${rate(m.cacheMisses)}))`,
          instant: true,
        },
      ],
      unit: 'percentunit',
      min: 0,
      max: 1,
      w: 6,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Active WebSocket connections',
      description: 'Open assistant WebSocket sessions.',
      targets: [{ expr: `sum(${m.websocketConnections})`, instant: true }],
      unit: 'short',
      w: 6,
      h: 5,
    },
    {
      type: 'timeseries',
      title: 'Failed calls by model and error',
      description:
        'Model calls that failed, per second, including those a retry or a failover hid from the client.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model, error_type) (${rate(`${m.aiRequests}{status="error"}`)})`,
          legend: '{{gen_ai_request_model}} {{error_type}}',
        },
      ],
      unit: 'reqps',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Failover rate by model',
      description:
        'Share of calls to each model that failed before the first token and moved on to the next model.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model) (${rate(m.aiFailovers)}) / sum by (gen_ai_request_model) (${rate(m.aiRequests)})`,
          legend: '{{gen_ai_request_model}}',
        },
      ],
      unit: 'percentunit',
      min: 0,
      max: 1,
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Retries by model',
      description:
        'Retries of the same model before its first token, per second, by the error retried.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model, error_type) (${rate(m.aiRetries)})`,
          legend: '{{gen_ai_request_model}} {{error_type}}',
        },
      ],
      unit: 'ops',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Timeouts by model',
      description:
        'Calls that sent no first token in time, stalled mid-stream, or ran past their deadline, per second.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model, error_type) (${rate(`${m.aiRequests}{status="error",error_type=~"${TIMEOUT_ERRORS}"}`)})`,
          legend: '{{gen_ai_request_model}} {{error_type}}',
        },
      ],
      unit: 'reqps',
      w: 12,
      h: 8,
    },
  ],
});

/** Cost tracking: spend over time, by model and task type, and the month's projection. */
export const costTracking = dashboard({
  uid: 'breakwater-cost-tracking',
  title: 'Breakwater / Cost tracking',
  description: 'AI spend in USD by model and task type, and where the month is heading.',
  refresh: '30s',
  from: 'now-24h',
  panels: [
    {
      type: 'timeseries',
      title: 'Hourly AI cost',
      description: 'Spend over the trailing hour, per model.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model) (increase(${m.aiCost}[1h]))`,
          legend: '{{gen_ai_request_model}}',
        },
      ],
      unit: 'currencyUSD',
      w: 24,
      h: 8,
    },
    {
      type: 'piechart',
      title: 'Cost by model (24h)',
      description: 'Share of the last 24 hours of spend per model.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model) (increase(${m.aiCost}[24h]))`,
          legend: '{{gen_ai_request_model}}',
          instant: true,
        },
      ],
      unit: 'currencyUSD',
      w: 8,
      h: 9,
    },
    {
      type: 'piechart',
      title: 'Cost by task type (24h)',
      description: 'Share of the last 24 hours of spend per task type (chat, code, summary…).',
      targets: [
        {
          expr: `sum by (task_type) (increase(${m.aiCost}[24h]))`,
          legend: '{{task_type}}',
          instant: true,
        },
      ],
      unit: 'currencyUSD',
      w: 8,
      h: 9,
    },
    {
      type: 'timeseries',
      title: 'Token usage by model',
      description: 'Tokens per second per model, input and output together.',
      targets: [
        {
          expr: `sum by (gen_ai_request_model) (${rate(`${m.tokenUsage}_sum`)})`,
          legend: '{{gen_ai_request_model}}',
        },
      ],
      unit: 'short',
      w: 8,
      h: 9,
    },
    {
      type: 'stat',
      title: 'Total cost',
      description: 'Spend in USD since the gateway started.',
      targets: [{ expr: `sum(${m.aiCost})`, instant: true }],
      unit: 'currencyUSD',
      decimals: 4,
      w: 6,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Cost last hour',
      description: 'Spend over the last hour.',
      targets: [{ expr: `sum(increase(${m.aiCost}[1h]))`, instant: true }],
      unit: 'currencyUSD',
      decimals: 4,
      w: 6,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Cost last 24h',
      description: 'Spend over the last 24 hours.',
      targets: [{ expr: `sum(increase(${m.aiCost}[24h]))`, instant: true }],
      unit: 'currencyUSD',
      decimals: 4,
      w: 6,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Projected monthly cost',
      description:
        'The last hour of spend extended to 30 days. Yellow from $500, red from $1,000: edit the thresholds to your budget.',
      targets: [{ expr: `sum(rate(${m.aiCost}[1h])) * 86400 * 30`, instant: true }],
      unit: 'currencyUSD',
      decimals: 2,
      thresholds: [
        [500, 'yellow'],
        [1000, 'red'],
      ],
      w: 6,
      h: 5,
    },
  ],
});

/** System health: up, breakers, cache, WebSockets, database, memory, CPU, errors, uptime. */
export const systemHealth = dashboard({
  uid: 'breakwater-system-health',
  title: 'Breakwater / System health',
  description: 'Is the gateway up, are its breakers closed, and how are its resources doing.',
  refresh: '5s',
  from: 'now-1h',
  panels: [
    {
      type: 'table',
      title: 'Service health',
      description: 'Scrape status of each gateway instance and the state of every circuit breaker.',
      targets: [
        { expr: 'up{job="llm-gateway"}', instant: true, legend: '{{instance}}' },
        { expr: `${m.breakerState} == 1`, instant: true, legend: '{{breaker}} {{state}}' },
      ],
      unit: 'short',
      w: 12,
      h: 9,
    },
    {
      type: 'timeseries',
      title: 'Cache performance',
      description: 'Response-cache hits and misses per second.',
      targets: [
        { expr: `sum(${rate(m.cacheHits)})`, legend: 'hits' },
        { expr: `sum(${rate(m.cacheMisses)})`, legend: 'misses' },
      ],
      unit: 'ops',
      w: 12,
      h: 9,
    },
    {
      type: 'timeseries',
      title: 'WebSocket messages',
      description: 'Assistant WebSocket messages per second by direction.',
      targets: [
        { expr: `sum by (direction) (${rate(m.websocketMessages)})`, legend: '{{direction}}' },
      ],
      unit: 'ops',
      w: 8,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Database operations',
      description: 'Session-store operations per second by operation and status.',
      targets: [
        {
          expr: `sum by (db_system, operation, status) (${rate(m.dbOperations)})`,
          legend: '{{db_system}} {{operation}} {{status}}',
        },
      ],
      unit: 'ops',
      w: 8,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Memory',
      description: 'Resident memory and V8 heap in use per instance.',
      targets: [
        { expr: 'process_resident_memory_bytes{job="llm-gateway"}', legend: 'rss {{instance}}' },
        { expr: 'nodejs_heap_size_used_bytes{job="llm-gateway"}', legend: 'heap {{instance}}' },
      ],
      unit: 'bytes',
      w: 8,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'CPU',
      description: 'CPU seconds used per second (1 = one core).',
      targets: [
        { expr: `${rate('process_cpu_seconds_total{job="llm-gateway"}')}`, legend: '{{instance}}' },
      ],
      unit: 'percentunit',
      w: 8,
      h: 8,
    },
    {
      type: 'stat',
      title: 'Cache keys',
      description: 'Entries in the response cache.',
      targets: [{ expr: `sum(${m.cacheKeys})`, instant: true }],
      unit: 'short',
      w: 4,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Active WebSockets',
      description: 'Open assistant WebSocket sessions.',
      targets: [{ expr: `sum(${m.websocketConnections})`, instant: true }],
      unit: 'short',
      w: 4,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Error rate',
      description: 'Share of HTTP responses with a 5xx status. Yellow from 1%, red from 5%.',
      targets: [
        {
          expr: `(sum(${rate(`${m.httpRequests}{status_code=~"5.."}`)}) or vector(0)) / sum(${rate(m.httpRequests)})`,
          instant: true,
        },
      ],
      unit: 'percentunit',
      decimals: 2,
      thresholds: [
        [0.01, 'yellow'],
        [0.05, 'red'],
      ],
      w: 4,
      h: 5,
    },
    {
      type: 'stat',
      title: 'Uptime',
      description: 'Time since the gateway process started.',
      targets: [{ expr: 'time() - process_start_time_seconds{job="llm-gateway"}', instant: true }],
      unit: 's',
      w: 4,
      h: 5,
    },
    {
      type: 'timeseries',
      title: 'Concurrency slots in flight',
      description: 'Requests holding a concurrency slot, per concurrency limiter.',
      targets: [{ expr: `sum by (limiter) (${m.concurrencyInFlight})`, legend: '{{limiter}}' }],
      unit: 'short',
      w: 8,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Concurrency wait p95',
      description: 'How long requests waited for a concurrency slot (95th percentile).',
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (le, limiter) (${rate(`${m.concurrencyWait}_bucket`)}))`,
          legend: '{{limiter}}',
        },
      ],
      unit: 's',
      w: 8,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Concurrency refusals',
      description:
        'Requests refused a concurrency slot per second: at the limit, queue full, waited too long, or gone.',
      targets: [
        {
          expr: `sum by (limiter, reason) (${rate(m.concurrencyRejections)})`,
          legend: '{{limiter}} {{reason}}',
        },
      ],
      unit: 'reqps',
      w: 8,
      h: 8,
    },
  ],
});

/** The dashboards by file name. */
export const dashboards: Readonly<Record<string, GrafanaDashboard>> = {
  'ai-performance.json': aiPerformance,
  'cost-tracking.json': costTracking,
  'system-health.json': systemHealth,
};

/** The exact text of a dashboard file. */
export function dashboardFileText(value: GrafanaDashboard): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, value] of Object.entries(dashboards)) {
    writeFileSync(
      new URL(`./grafana/dashboards/${file}`, import.meta.url),
      dashboardFileText(value),
    );
  }
}
