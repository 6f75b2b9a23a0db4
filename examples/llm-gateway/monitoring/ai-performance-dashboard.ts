/** The AI performance dashboard (grafana/dashboards/ai-performance.json). */
import { metricNames, rate } from './dashboard-queries.js';
import { dashboard } from './grafana-model.js';

const m = metricNames;

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
