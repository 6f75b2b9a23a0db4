import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterAggregator, exposeToClusterPrimary } from './cluster-metrics.js';
import { createMetrics } from './create-metrics.js';

const app = fileURLToPath(new URL('./__fixtures__/cluster-app.ts', import.meta.url));

/** Value of the sample line `series` (name and labels exactly as exposed). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('node:cluster aggregation (2 real workers)', () => {
  let primary: ChildProcess | undefined;

  afterEach(async () => {
    if (primary && primary.exitCode === null) {
      primary.kill('SIGTERM');
      await once(primary, 'exit');
    }
  });

  it('sums counters and histograms, sums connections and maxes breaker states', async () => {
    primary = spawn(process.execPath, ['--import', 'tsx', app], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      primary?.stdout?.on('data', (chunk) => {
        output += chunk;
        const match = /READY (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      primary?.on('exit', (code) => reject(new Error(`cluster app exited with ${code}`)));
    });

    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();

    const gpt =
      'gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o"';
    expect(sample(text, `breakwater_ai_requests_total{${gpt},status="success"}`)).toBe(7);
    expect(sample(text, `gen_ai_client_operation_duration_seconds_count{${gpt}}`)).toBe(7);
    expect(sample(text, `gen_ai_client_operation_duration_seconds_bucket{le="1.28",${gpt}}`)).toBe(
      7,
    );
    expect(
      sample(
        text,
        `breakwater_ai_cost_usd_total{gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",task_type="default"}`,
      ),
    ).toBeCloseTo(7 * 0.0045, 10);
    expect(sample(text, 'breakwater_websocket_connections')).toBe(3);
    // One worker sees the breaker open, the other closed: max says both happen somewhere.
    expect(sample(text, 'breakwater_circuit_breaker_state{breaker="openai",state="open"}')).toBe(1);
    expect(sample(text, 'breakwater_circuit_breaker_state{breaker="openai",state="closed"}')).toBe(
      1,
    );
    expect(
      sample(text, 'breakwater_circuit_breaker_state{breaker="openai",state="half_open"}'),
    ).toBe(0);
  }, 60_000);

  it('refuses to expose from a process that is not a worker', () => {
    expect(() => exposeToClusterPrimary(createMetrics())).toThrow(
      'exposeToClusterPrimary() must run in a cluster worker',
    );
    expect(() => createClusterAggregator()).not.toThrow();
  });
});
