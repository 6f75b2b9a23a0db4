import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, PROMETHEUS_INSTALL_HINT, requireCommand } from '@breakwater/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards } from '../monitoring/dashboards.js';
import { eventually, fastMock, openSocket, postJson, useGateway } from './helpers.js';

const run = promisify(execFile);
const monitoring = (path: string) =>
  fileURLToPath(new URL(`../monitoring/${path}`, import.meta.url));

describe('alert rules', () => {
  beforeAll(() => {
    requireCommand('promtool', PROMETHEUS_INSTALL_HINT);
    requireCommand('amtool', PROMETHEUS_INSTALL_HINT);
  });

  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', [
      'check',
      'rules',
      monitoring('prometheus/alerts.yml'),
    ]);
    expect(stdout).toContain('SUCCESS: 7 rules found');
  });

  it('pass their promtool unit tests', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'alerts.test.yml'], {
      cwd: monitoring('prometheus'),
    });
    expect(stdout).toContain('SUCCESS');
  });

  it('ship an Alertmanager config amtool accepts', async () => {
    const { stdout } = await run('amtool', [
      'check-config',
      monitoring('alertmanager/alertmanager.yml'),
    ]);
    expect(stdout).toContain('SUCCESS');
  });
});

interface QueryResult {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; value: [number, string] }>;
  };
}

describe('dashboards and alerts against a real Prometheus scraping the gateway', () => {
  const apiKeys = [{ key: 'sk-helen', userId: 'helen', tier: 'SOLO' }];
  // A model that always fails, first in line for some requests: each of its calls fails, is
  // retried once and fails over to a model that works, so clients see only successes.
  const server = useGateway({
    apiKeys,
    models: [
      fastMock('mock'),
      fastMock('mock-backup'),
      fastMock('mock-broken', { failureRate: 1 }),
      // Never sends a first token in time: every attempt ends in FIRST_TOKEN_TIMEOUT.
      fastMock('mock-stalled', { ttftMs: 5_000 }),
      fastMock('mock-slow', { tokensPerSecond: 60, outputTokens: 12 }),
    ],
    breaker: { failureThreshold: 1_000_000, openDurationMs: 30_000 },
    retry: { maxRetries: 1, baseDelayMs: 1 },
    streamLimits: { firstTokenTimeoutMs: 150, idleTimeoutMs: 60_000, deadlineMs: 900_000 },
    // One model call at a time per user, so a burst of two has one wait and one refusal.
    concurrency: { perUser: 8, maxWaitMs: 20 },
    tiers: { SOLO: { requestsPerMinute: 10_000, tokensPerDay: 10_000_000, concurrency: 1 } },
  });
  let prometheus: ChildProcess | undefined;
  let directory = '';
  let prometheusUrl = '';
  let traffic = true;
  let trafficDone: Promise<void> = Promise.resolve();

  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as QueryResult;
  };

  async function generateTraffic() {
    const auth = { authorization: 'Bearer sk-helen' };
    const wsUrl = `${server.url.replace('http', 'ws')}/ws/assistant/monitoring?api_key=sk-helen`;
    const socket = await openSocket(wsUrl);
    let round = 0;
    while (traffic) {
      round++;
      // Half the prompts repeat, so the cache sees hits as well as misses.
      const prompt = round % 2 === 0 ? 'repeat me' : `prompt ${round}`;
      const response = await postJson(
        `${server.url}/v1/chat/completions`,
        {
          messages: [{ role: 'user', content: prompt }],
          temperature: 0,
          metadata: { task_type: round % 3 === 0 ? 'code' : 'chat' },
        },
        auth,
      );
      await response.arrayBuffer();
      if (round % 3 === 0) {
        const failover = await postJson(
          `${server.url}/v1/chat/completions`,
          { model: 'mock-broken', messages: [{ role: 'user', content: `failover ${round}` }] },
          auth,
        );
        await failover.arrayBuffer();
        const timeout = await postJson(
          `${server.url}/v1/chat/completions`,
          { model: 'mock-stalled', messages: [{ role: 'user', content: `timeout ${round}` }] },
          auth,
        );
        await timeout.arrayBuffer();
        // Two calls at once from one user: the second waits, then is refused (429).
        const burst = await Promise.all(
          [1, 2].map((index) =>
            postJson(
              `${server.url}/v1/chat/completions`,
              {
                model: 'mock-slow',
                messages: [{ role: 'user', content: `burst ${round} ${index}` }],
              },
              auth,
            ),
          ),
        );
        for (const response of burst) await response.arrayBuffer();
      }
      socket.send({ message: `socket ${round}`, task_type: 'summary' });
      await socket.until('stream_end', 'error');
      await fetch(`${server.url}/nope`).then((nope) => nope.arrayBuffer());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await socket.close();
  }

  beforeAll(async () => {
    requireCommand('prometheus', PROMETHEUS_INSTALL_HINT);
    trafficDone = generateTraffic();
    directory = await mkdtemp(join(tmpdir(), 'breakwater-prometheus-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const target = new URL(server.url).host;
    await writeFile(
      join(directory, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${monitoring('prometheus/alerts.yml')}`,
        'scrape_configs:',
        '  - job_name: llm-gateway',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await eventually(
      () =>
        fetch(`${prometheusUrl}/-/ready`).then(
          (response) => response.ok,
          () => false,
        ),
      'Prometheus to be ready',
    );
    // Five scrapes under traffic give every rate() enough samples.
    for (let attempt = 0; attempt < 300; attempt++) {
      const result = await query('count_over_time(up{job="llm-gateway"}[1m])');
      if (Number(result.data?.result[0]?.value[1] ?? 0) >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 90_000);

  afterAll(async () => {
    traffic = false;
    await trafficDone;
    prometheus?.kill('SIGTERM');
    if (prometheus && prometheus.exitCode === null)
      await new Promise((resolve) => prometheus!.once('exit', resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it('scrapes the gateway', async () => {
    const up = await query('up{job="llm-gateway"}');
    expect(up.data?.result[0]?.value[1]).toBe('1');
  });

  const panels = Object.entries(dashboards).flatMap(([file, dashboard]) =>
    dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => ({
        name: `${file} › ${panel.title} › ${target.refId}`,
        expr: target.expr,
      })),
    ),
  );

  it.each(panels)('$name parses and returns data', async ({ expr }) => {
    // Grafana fills $__rate_interval in; 10 s covers several 1 s scrapes.
    const result = await query(expr.replaceAll('$__rate_interval', '10s'));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.data?.result.length, expr).toBeGreaterThan(0);
    const values = result.data!.result.map((sample) => Number(sample.value[1]));
    expect(
      values.some((value) => Number.isFinite(value)),
      `${expr} → ${JSON.stringify(values)}`,
    ).toBe(true);
  });

  it('evaluates every alert rule; only the failing model pends, for errors and failovers', async () => {
    type Rule = {
      name: string;
      health: string;
      query: string;
      state: string;
      alerts: Array<{ labels: Record<string, string> }>;
    };
    const rules = async () =>
      (
        (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
          data: { groups: Array<{ rules: Rule[] }> };
        }
      ).data.groups.flatMap((group) => group.rules);
    // The models each alert names: the failing model, and the one that never starts in time.
    const failing = new Map([
      ['LLMHighErrorRate', ['mock-broken', 'mock-stalled']],
      ['LLMHighFailoverRate', ['mock-broken', 'mock-stalled']],
      ['LLMFirstTokenTimeouts', ['mock-stalled']],
    ]);
    await eventually(
      async () => {
        const all = await rules();
        return (
          all.length === 7 &&
          all.every((rule) => rule.health === 'ok') &&
          all
            .filter((rule) => failing.has(rule.name))
            .every(
              (rule) =>
                rule.state !== 'inactive' &&
                rule.alerts
                  .map((alert) => alert.labels.gen_ai_request_model)
                  .sort()
                  .join() === failing.get(rule.name)!.join(),
            )
        );
      },
      'every rule to be evaluated and the failing models to trip their alerts',
      45_000,
    );
    for (const rule of await rules()) {
      const result = await query(rule.query);
      expect(result.status, rule.name).toBe('success');
      if (failing.has(rule.name)) {
        // `for: 5m` keeps them pending in a short test; the alert names the failing model only.
        expect(
          rule.alerts.map((alert) => alert.labels.gen_ai_request_model).sort(),
          rule.name,
        ).toEqual(failing.get(rule.name));
      } else {
        expect(rule.state, rule.name).toBe('inactive');
      }
    }
  });
});
