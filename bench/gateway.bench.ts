/**
 * Gateway overhead: the full Breakwater stack (identity, rate limit with token reservation,
 * circuit breaker, llm-stream, metrics, Fastify) in front of an OpenAI-compatible upstream on
 * loopback, against calling that upstream directly and against the Portkey open-source gateway
 * in front of the same upstream. Run with `cd bench && BENCH=gateway npx tsx run-all.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAIServer } from '../examples/llm-gateway/src/fake-openai-server.js';
import { buildGateway } from '../examples/llm-gateway/src/gateway.js';
import { freePort } from '../packages/testing/src/free-port.js';
import { formatOps, formatRatio, markdownTable } from './lib/measure.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const thisFile = fileURLToPath(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const CONNECTIONS = 10;
const DURATION_S = 1.5;
const ROUNDS = 2;
const LATENCY_SAMPLES = 150;
const TTFT_SAMPLES = 50;

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

const body = (stream: boolean, model = 'gpt-4o') =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Benchmark the gateway.' }],
    max_tokens: 64,
    ...(stream ? { stream: true } : {}),
  });

/** Sequential requests over one keep-alive connection: precise per-request latency. */
async function sequential(
  target: Target,
  payload: string,
  samples: number,
  until: 'end' | 'first-content',
): Promise<{ p50: number; p99: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let failures = 0;
  for (let index = 0; index < samples + 20; index++) {
    const started = process.hrtime.bigint();
    const elapsed = await new Promise<number>((resolve, reject) => {
      const call = request(
        target.url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', ...target.headers },
        },
        (response) => {
          if (response.statusCode !== 200) failures++;
          let stamp: number | undefined;
          let seen = '';
          response.setEncoding('utf8');
          response.on('data', (piece: string) => {
            if (stamp !== undefined || until !== 'first-content') return;
            seen += piece;
            // The first SSE frame that carries generated text.
            if (/"content":"[^"]+"/.test(seen))
              stamp = Number(process.hrtime.bigint() - started) / 1e6;
          });
          response.on('end', () =>
            resolve(stamp ?? Number(process.hrtime.bigint() - started) / 1e6),
          );
          response.on('error', reject);
        },
      );
      call.on('error', reject);
      call.end(payload);
    });
    if (index >= 20) times.push(elapsed);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (quantile: number) =>
    times[Math.min(times.length - 1, Math.floor(quantile * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), failures };
}

function portkeyVersion(): string {
  const file = new URL('./node_modules/@portkey-ai/gateway/package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function startPortkey(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const bin = fileURLToPath(
    new URL('./node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
  );
  // Portkey's bin has no host option: this preload binds its server to loopback only.
  const loopbackOnly = [
    "import net from 'node:net';",
    'const listen = net.Server.prototype.listen;',
    'net.Server.prototype.listen = function (...args) {',
    "  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, typeof args[1] === 'undefined' ? 1 : 0, '127.0.0.1');",
    "  else if (typeof args[0] === 'object' && args[0] !== null && !args[0].host) args[0] = { ...args[0], host: '127.0.0.1' };",
    '  return listen.apply(this, args);',
    '};',
  ].join('\n');
  const child = spawn(
    process.execPath,
    [
      `--import=data:text/javascript,${encodeURIComponent(loopbackOnly)}`,
      bin,
      `--port=${port}`,
      '--headless',
    ],
    { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error('Portkey gateway did not start');
}

/** Starts this file in a child process in `role`; resolves with the URL it prints. */
async function startChild(
  role: 'upstream' | 'gateway',
  env: Record<string, string>,
): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, thisFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env, BREAKWATER_BENCH_ROLE: role },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (piece: string) => {
      output += piece;
      const line = output.split('\n').find((candidate) => candidate.startsWith('url='));
      if (line) resolve(line.slice(4).trim());
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before listening`)));
  });
  return { url, process: child };
}

/** Child-process entry points: each server gets its own process (and event loop), like in production. */
async function runRole(role: string): Promise<void> {
  if (role === 'upstream') {
    const upstream = await startFakeOpenAIServer({
      words: 20,
      chunkDelayMs: Number(process.env.CHUNK_DELAY_MS ?? 0),
    });
    process.stdout.write(`url=${upstream.baseURL}\n`);
    return;
  }
  const gateway = await buildGateway({
    logger: false,
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
    retry: false,
    apiKeys: [{ key: 'sk-bench', userId: 'bench', tier: 'BENCH' }],
    tiers: { BENCH: { requestsPerMinute: 1e9, tokensPerDay: 1e12 } },
    models: [
      {
        name: 'gpt-4o',
        provider: 'openai',
        apiKeyEnv: 'OPENAI_API_KEY',
        baseUrlEnv: 'OPENAI_BASE_URL',
      },
      {
        name: 'gpt-4o-paced',
        provider: 'openai',
        upstreamModel: 'gpt-4o',
        apiKeyEnv: 'OPENAI_API_KEY',
        baseUrlEnv: 'PACED_BASE_URL',
      },
    ],
    failover: false,
    env: {
      OPENAI_API_KEY: 'sk-upstream',
      OPENAI_BASE_URL: process.env.UPSTREAM_URL,
      PACED_BASE_URL: process.env.PACED_URL,
    },
  });
  process.stdout.write(`url=${await gateway.listen(0, '127.0.0.1')}\n`);
}

const role = process.env.BREAKWATER_BENCH_ROLE;
if (role) await runRole(role);

export default async function gatewayBench(): Promise<string> {
  const upstreamChild = await startChild('upstream', {});
  const pacedChild = await startChild('upstream', { CHUNK_DELAY_MS: '1' });
  const upstream = { baseURL: upstreamChild.url };
  const paced = { baseURL: pacedChild.url };
  const gatewayChild = await startChild('gateway', {
    UPSTREAM_URL: upstream.baseURL,
    PACED_URL: paced.baseURL,
  });
  const gatewayUrl = gatewayChild.url;
  const portkey = await startPortkey();

  const auth = { authorization: 'Bearer sk-bench' };
  const targets = (base: string, pacedBase: string) =>
    [
      { name: 'direct', url: `${base}/chat/completions`, headers: auth },
      { name: 'breakwater', url: `${gatewayUrl}/v1/chat/completions`, headers: auth },
      {
        name: 'portkey',
        url: `${portkey.url}/v1/chat/completions`,
        headers: { ...auth, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': pacedBase },
      },
    ] satisfies Target[];

  const rows: Array<Array<string | number>> = [];
  const summary: Record<string, { rps: number; p50: number; p99: number }> = {};
  const failed: Record<string, string> = {};
  try {
    for (const stream of [false, true]) {
      const mode = stream ? 'streaming' : 'non-streaming';
      const payload = body(stream);
      const live: Target[] = [];
      for (const target of targets(upstream.baseURL, upstream.baseURL)) {
        const probe = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: payload,
        });
        await probe.arrayBuffer();
        if (probe.status === 200) live.push(target);
        else failed[`${target.name} ${mode}`] = `fails (HTTP ${probe.status})`;
      }
      const load = (target: Target, duration: number) =>
        autocannon({
          url: target.url,
          connections: CONNECTIONS,
          duration,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: payload,
        });
      for (const target of live) await load(target, 1);
      // Interleaved rounds, best of each: other load on the machine hits every target alike.
      const best = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of live) {
          const result = await load(target, DURATION_S);
          if (result.non2xx > 0 || result.errors > 0) {
            throw new Error(
              `${target.name} ${mode}: ${result.non2xx} non-2xx and ${result.errors} errors under load`,
            );
          }
          best.set(target.name, Math.max(best.get(target.name) ?? 0, result.requests.average));
        }
      }
      for (const target of live) {
        const latency = await sequential(target, payload, LATENCY_SAMPLES, 'end');
        summary[`${target.name} ${mode}`] = {
          rps: best.get(target.name)!,
          p50: latency.p50,
          p99: latency.p99,
        };
      }
    }
    const ttft: Record<string, { p50: number; p99: number }> = {};
    for (const target of targets(paced.baseURL, paced.baseURL)) {
      if (failed[`${target.name} streaming`]) continue;
      const model = target.name === 'breakwater' ? 'gpt-4o-paced' : 'gpt-4o';
      const url = target.name === 'direct' ? `${paced.baseURL}/chat/completions` : target.url;
      ttft[target.name] = await sequential(
        { ...target, url },
        body(true, model),
        TTFT_SAMPLES,
        'first-content',
      );
    }

    for (const mode of ['non-streaming', 'streaming']) {
      const direct = summary[`direct ${mode}`]!;
      for (const name of ['direct', 'breakwater', 'portkey']) {
        const result = summary[`${name} ${mode}`];
        if (!result) {
          rows.push([`${name} (${mode})`, failed[`${name} ${mode}`] ?? 'n/a', '—', '—', '—', '—']);
          continue;
        }
        rows.push([
          `${name} (${mode})`,
          formatOps(result.rps),
          formatRatio(result.rps / direct.rps),
          `${result.p50.toFixed(2)} ms`,
          name === 'direct' ? '—' : `${(result.p50 - direct.p50).toFixed(2)} ms`,
          name === 'direct' ? '—' : `${(result.p99 - direct.p99).toFixed(2)} ms`,
        ]);
      }
    }
    const ttftRows = ['direct', 'breakwater', 'portkey'].map((name) =>
      ttft[name] === undefined
        ? [name, failed[`${name} streaming`] ?? 'n/a', '—', '—']
        : [
            name,
            `${ttft[name]!.p50.toFixed(2)} ms`,
            name === 'direct' ? '—' : `${(ttft[name]!.p50 - ttft.direct!.p50).toFixed(2)} ms`,
            `${ttft[name]!.p99.toFixed(2)} ms`,
          ],
    );

    const ratio = (name: string) =>
      (summary[`${name} non-streaming`]?.rps ?? 0) / summary['direct non-streaming']!.rps;
    const addedP50 =
      summary['breakwater non-streaming']!.p50 - summary['direct non-streaming']!.p50;
    const goals = [
      `- Throughput at ${CONNECTIONS} connections ≥ 0.3× direct: ${formatRatio(ratio('breakwater'))} (Portkey ${formatRatio(ratio('portkey'))}) — ${ratio('breakwater') >= 0.3 ? 'met' : 'not met'}.`,
      `- Added latency at p50 < 1 ms (non-streaming): ${addedP50.toFixed(2)} ms — ${addedP50 < 1 ? 'met' : 'not met'}.`,
    ];
    return [
      '## Gateway',
      '',
      markdownTable(
        ['Path', 'req/s (10 conn.)', 'vs direct', 'p50 (1 conn.)', 'added p50', 'added p99'],
        rows,
      ),
      '',
      'Time to first token, streaming, upstream pacing its 20 chunks 1 ms apart:',
      '',
      markdownTable(['Path', 'TTFT p50', 'added p50', 'TTFT p99'], ttftRows),
      '',
      ...goals,
      '',
      `Method: an OpenAI-compatible upstream on loopback answering 20 words (with a final usage chunk when streaming); autocannon, ${CONNECTIONS} connections, best of ${ROUNDS} interleaved ${DURATION_S} s runs per case after a 1 s warm-up, for req/s; ${LATENCY_SAMPLES} sequential keep-alive requests for latency and ${TTFT_SAMPLES} for time to first token. Breakwater runs its full stack (API key, rate limit and token reservation in memory, breaker, llm-stream, metrics; response cache off so every request reaches the upstream) through the official openai SDK (over a keep-alive node:http transport); each server runs in its own process. Portkey ${portkeyVersion()} runs its published bin in front of the same upstream.`,
      ...Object.entries(failed).map(
        ([name, outcome]) =>
          `- ${name}: ${outcome} on every request in this environment (Node.js ${process.version}), so it has no numbers.`,
      ),
    ].join('\n');
  } finally {
    for (const child of [
      portkey.process,
      gatewayChild.process,
      upstreamChild.process,
      pacedChild.process,
    ]) {
      child.kill('SIGTERM');
    }
  }
}
