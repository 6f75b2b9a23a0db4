import { readFileSync } from 'node:fs';
import { METRIC_DEFINITIONS } from '@breakwater/metrics';
import { describe, expect, it } from 'vitest';
import { dashboards, metricNames } from '../monitoring/dashboards.js';

/** Grafana's template-variable reference to the datasource, as the dashboards must use it. */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('');

const read = (file: string) =>
  JSON.parse(
    readFileSync(new URL(`../monitoring/grafana/dashboards/${file}`, import.meta.url), 'utf8'),
  );

/** Panels the issue asks for, per dashboard, in order. */
const expectedPanels: Record<string, { refresh: string; titles: string[] }> = {
  'ai-performance.json': {
    refresh: '10s',
    titles: [
      'AI requests per second by model and status',
      'Request latency p50 and p95',
      'Success rate by model',
      'Token usage',
      'Total AI cost',
      'Total requests',
      'Cache hit rate',
      'Active WebSocket connections',
      'Failed calls by model and error',
      'Failover rate by model',
      'Retries by model',
      'Timeouts by model',
    ],
  },
  'cost-tracking.json': {
    refresh: '30s',
    titles: [
      'Hourly AI cost',
      'Cost by model (24h)',
      'Cost by task type (24h)',
      'Token usage by model',
      'Total cost',
      'Cost last hour',
      'Cost last 24h',
      'Projected monthly cost',
    ],
  },
  'system-health.json': {
    refresh: '5s',
    titles: [
      'Service health',
      'Cache performance',
      'WebSocket messages',
      'Database operations',
      'Memory',
      'CPU',
      'Cache keys',
      'Active WebSockets',
      'Error rate',
      'Uptime',
      'Concurrency slots in flight',
      'Concurrency wait p95',
      'Concurrency refusals',
    ],
  },
};

describe('Grafana dashboards', () => {
  it('are the generated output of monitoring/dashboards.ts', () => {
    for (const [file, dashboard] of Object.entries(dashboards)) {
      expect(read(file), file).toEqual(JSON.parse(JSON.stringify(dashboard)));
    }
  });

  it.each(Object.entries(expectedPanels))(
    '%s has the panels and refresh the issue lists',
    (file, expected) => {
      const dashboard = read(file);
      expect(dashboard.refresh).toBe(expected.refresh);
      expect(dashboard.panels.map((panel: { title: string }) => panel.title)).toEqual(
        expected.titles,
      );
    },
  );

  it.each(Object.keys(expectedPanels))(
    '%s picks its datasource through a template variable only',
    (file) => {
      const dashboard = read(file);
      const text = JSON.stringify(dashboard);
      expect(dashboard.id).toBeNull();
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
      );
      expect(text).not.toContain('DS_PROMETHEUS');
      const uids = [...text.matchAll(/"uid":"([^"]*)"/g)].map((match) => match[1]);
      // The dashboard's own uid, the annotation's built-in Grafana source, and the variable.
      expect(new Set(uids)).toEqual(new Set([dashboard.uid, '-- Grafana --', DATASOURCE_VARIABLE]));
      for (const panel of dashboard.panels) {
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: DATASOURCE_VARIABLE });
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) expect(target.datasource.uid).toBe(DATASOURCE_VARIABLE);
        expect(panel.description.length).toBeGreaterThan(10);
        expect(panel.fieldConfig.defaults.unit).toBeTruthy();
      }
    },
  );

  it('uses only metric names that @breakwater/metrics exports', () => {
    const exported = new Set(METRIC_DEFINITIONS.map((definition) => definition.name));
    for (const name of Object.values(metricNames)) expect(exported, name).toContain(name);
  });
});
