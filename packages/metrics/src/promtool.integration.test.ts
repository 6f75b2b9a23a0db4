import { spawn } from 'node:child_process';
import { PROMETHEUS_INSTALL_HINT, requireCommand } from '@breakwater/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { populateAll } from './__fixtures__/populate-all.js';
import { METRIC_DEFINITIONS } from './metric-definitions.js';

interface CheckResult {
  readonly code: number | null;
  readonly output: string;
}

/** Pipes `exposition` to `promtool check metrics` and returns its exit code and output. */
function promtoolCheck(exposition: string): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

describe('exposition of the full metric set (needs promtool)', () => {
  beforeAll(() => requireCommand('promtool', PROMETHEUS_INSTALL_HINT));

  it('populates every metric of the set', async () => {
    const metrics = populateAll();
    const json = await metrics.registry.getMetricsAsJSON();
    const empty = json.filter((metric) => metric.values.length === 0).map((metric) => metric.name);
    expect(empty).toEqual([]);
    expect(json.map((metric) => metric.name)).toEqual(METRIC_DEFINITIONS.map((d) => d.name));
  });

  it('passes promtool check metrics with no warnings', async () => {
    const exposition = await populateAll().metrics();
    const result = await promtoolCheck(exposition);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('would report a naming problem (the check is live)', async () => {
    const result = await promtoolCheck(
      '# HELP bad_requests Requests.\n# TYPE bad_requests counter\nbad_requests 1\n',
    );
    expect(result.output).toContain('counter metrics should have "_total" suffix');
  });
});
