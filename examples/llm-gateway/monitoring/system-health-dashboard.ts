/** The system health dashboard (grafana/dashboards/system-health.json). */
import { metricNames, rate } from './dashboard-queries.js';
import { dashboard } from './grafana-model.js';

const m = metricNames;

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
