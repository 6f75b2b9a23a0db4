/** The cost tracking dashboard (grafana/dashboards/cost-tracking.json). */
import { metricNames, rate } from './dashboard-queries.js';
import { dashboard } from './grafana-model.js';

const m = metricNames;

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
