/**
 * Source of the three Grafana dashboards in grafana/dashboards/: each dashboard's panels live
 * in its own file (ai-performance-dashboard.ts, cost-tracking-dashboard.ts,
 * system-health-dashboard.ts), the metric names they query in dashboard-queries.ts. Run
 * `pnpm --filter @breakwater/llm-gateway dashboards` after editing; a test checks the JSON
 * files match this source, and another runs every expression against a real Prometheus.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { aiPerformance } from './ai-performance-dashboard.js';
import { costTracking } from './cost-tracking-dashboard.js';
import type { GrafanaDashboard } from './grafana-model.js';
import { systemHealth } from './system-health-dashboard.js';

export { aiPerformance } from './ai-performance-dashboard.js';
export { costTracking } from './cost-tracking-dashboard.js';
export { metricNames } from './dashboard-queries.js';
export { systemHealth } from './system-health-dashboard.js';

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
