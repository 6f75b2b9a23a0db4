/**
 * Gateway at scale: `SCALE_CLIENTS` concurrent SSE streams (default 10,000) through one
 * example-gateway process, each receiving a paced stream (default 20 tokens/s for 30 s) from
 * a mock upstream, side by side with a bare node:http proxy under the same load. Reports
 * delivered chunks, heap per open stream, CPU per relayed chunk and per-chunk delivery
 * latency (upstream write → client read).
 *
 * Every server and the load generator run in their own process, started through `sh` so each
 * raises its file-descriptor limit to the hard limit first; everything stays on 127.0.0.1.
 * The gateway is started as a process (its compiled `dist/main.js` with a generated config file), not
 * imported. Run: `pnpm build && cd bench && npx tsx gateway-scale.bench.ts`, with e.g.
 * `SCALE_CLIENTS=500 SCALE_SECONDS=10` for a quick run.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuOf } from './lib/bench-processes.js';
import { formatRatio, markdownTable } from './lib/measure.js';
import { startPacedUpstream } from './lib/paced-upstream.js';
import { runSseLoad, type SseLoadResult } from './lib/sse-load.js';

const settings = {
  clients: Number(process.env.SCALE_CLIENTS ?? 10_000),
  streamSeconds: Number(process.env.SCALE_SECONDS ?? 30),
  tokensPerSecond: Number(process.env.SCALE_TOKENS_PER_SECOND ?? 20),
  connectsPerSecond: Number(process.env.SCALE_CONNECTS_PER_SECOND ?? 2_000),
  /** A directory: the gateway runs with `--cpu-prof` and writes its profile there on exit. */
  cpuProfileDir: process.env.SCALE_CPU_PROF,
  /** A directory: each server writes a heap snapshot there once every stream is open. */
  heapSnapshotDir: process.env.SCALE_HEAP_SNAPSHOT,
};
const tokensPerStream = Math.round(settings.tokensPerSecond * settings.streamSeconds);
const thisFile = fileURLToPath(import.meta.url);
const gatewayDir = fileURLToPath(new URL('../examples/llm-gateway/', import.meta.url));
const API_KEY = 'sk-scale-bench';

// Answers `heap` over IPC with the heap in use after a full collection (needs --expose-gc),
// and `snapshot:<dir>` with the path of a heap snapshot written there.
const heapProbe = `data:text/javascript,${encodeURIComponent(
  "import { writeHeapSnapshot } from 'node:v8'; process.on('message', (message) => { if (message === 'heap') { globalThis.gc(); globalThis.gc(); process.send({ heapUsed: process.memoryUsage().heapUsed }); } else if (String(message).startsWith('snapshot:')) { process.send({ path: writeHeapSnapshot(String(message).slice(9) + '/' + process.pid + '-' + Date.now() + '.heapsnapshot') }); } });",
)}`;

/** Starts `node <args>` through sh, with the soft fd limit raised to the hard limit. */
function spawnNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }) {
  return spawn(
    'sh',
    ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', process.execPath, ...args],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
}

function hardFdLimit(): number {
  const limit = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return limit === 'unlimited' ? Number.POSITIVE_INFINITY : Number(limit);
}

/** Waits for a line of the child's stdout that `pattern` matches; resolves with its first group. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (piece: string) => {
      output += piece;
      const match = pattern.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before listening`)));
  });
}

/** Asks a process started with the heap probe for its heap in use after a full GC. */
function heapOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (reply: { heapUsed: number }) => resolve(reply.heapUsed));
    child.send('heap');
  });
}

/** Asks a process started with the heap probe to write a heap snapshot into `dir`. */
function snapshotOf(child: ChildProcess, dir: string): Promise<string> {
  return new Promise((resolve) => {
    child.once('message', (reply: { path: string }) => resolve(reply.path));
    child.send(`snapshot:${dir}`);
  });
}

/** The floor: node:http in, node:http out, the SSE answer piped back as it comes. */
async function startBareProxy(upstreamUrl: string): Promise<string> {
  const upstream = new URL(upstreamUrl);
  const server = createServer((incoming, outgoing) => {
    const call = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: `${upstream.pathname}/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-upstream' },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'text/event-stream',
        });
        answer.pipe(outgoing);
      },
    );
    call.on('error', () => outgoing.destroy());
    outgoing.on('close', () => call.destroy());
    incoming.pipe(call);
  });
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

/** Child-process entry points. */
async function runRole(role: string): Promise<void> {
  if (role === 'upstream') {
    const { url } = await startPacedUpstream(settings);
    process.stdout.write(`url=${url}\n`);
  } else if (role === 'proxy') {
    process.stdout.write(`url=${await startBareProxy(process.env.UPSTREAM_URL!)}\n`);
  } else if (role === 'load') {
    const result = await runSseLoad({
      url: process.env.TARGET_URL!,
      headers: { authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({
        model: 'scale',
        stream: true,
        messages: [{ role: 'user', content: 'Stream for a while.' }],
        // The paced upstream streams exactly max_tokens chunks.
        max_tokens: tokensPerStream,
      }),
      clients: settings.clients,
      connectsPerSecond: settings.connectsPerSecond,
      tokensPerStream,
      deadlineMs: settings.streamSeconds * 1000 + 60_000,
      onAllStreaming: () => process.send?.({ type: 'streaming' }),
    });
    process.send?.({ type: 'result', result }, () => process.exit(0));
  }
}

async function startRole(role: 'upstream' | 'proxy', env: Record<string, string> = {}) {
  const child = spawnNode(['--expose-gc', '--import=tsx', `--import=${heapProbe}`, thisFile], {
    env: { ...env, BREAKWATER_SCALE_ROLE: role },
  });
  return { child, url: await waitForLine(child, /url=(\S+)/, role) };
}

async function startGateway(upstreamUrl: string, configDir: string) {
  const config = join(configDir, 'gateway.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      logger: false,
      failover: false,
      retry: false,
      requireApiKey: true,
      adminToken: randomBytes(24).toString('hex'),
      cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
      apiKeys: [{ key: API_KEY, userId: 'scale', tier: 'SCALE' }],
      // One user opens every stream: its in-flight limit is never reached (the limiter still runs).
      concurrency: { perUser: 1_000_000, maxWaitMs: 2000 },
      tiers: {
        SCALE: {
          requestsPerMinute: 1e9,
          requestsPerHour: 1e9,
          requestsPerDay: 1e9,
          tokensPerDay: 1e12,
        },
      },
      models: [
        {
          name: 'scale',
          provider: 'openai-compatible',
          upstreamModel: 'gpt-4o-mini',
          apiKeyEnv: 'SCALE_UPSTREAM_KEY',
          baseUrlEnv: 'SCALE_UPSTREAM_URL',
          // One upstream connection per stream, like the bare proxy (the default pool is 256).
          maxSockets: settings.clients,
        },
      ],
    }),
  );
  const profile = settings.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}`]
    : [];
  // The production build (`pnpm build` compiles it), as `pnpm start:prod` and the Dockerfile run it.
  const nodeArgs = ['--expose-gc', ...profile, `--import=${heapProbe}`];
  const child = spawnNode([...nodeArgs, 'dist/main.js'], {
    cwd: gatewayDir,
    env: {
      GATEWAY_CONFIG: config,
      SCALE_UPSTREAM_KEY: 'sk-upstream',
      SCALE_UPSTREAM_URL: upstreamUrl,
    },
  });
  const origin = await waitForLine(child, /gateway on (http:\/\/\S+)/, 'gateway');
  return { child, url: `${origin}/v1` };
}

interface TargetRun {
  readonly load: SseLoadResult;
  readonly heapPerStreamBytes: number;
  readonly cpuPerChunkUs: number;
}

/** Runs the load against one server process and measures that process. */
async function measure(target: { child: ChildProcess; url: string }): Promise<TargetRun> {
  // Warm-up: a short, smaller load JIT-compiles the server's hot paths first.
  const warmUp = { SCALE_CLIENTS: String(Math.min(200, settings.clients)), SCALE_SECONDS: '2' };
  await runLoad(target, warmUp);
  const idleHeap = await heapOf(target.child);
  if (settings.heapSnapshotDir) await snapshotOf(target.child, settings.heapSnapshotDir);
  let openHeap = Number.NaN;
  let probeCpuUs = 0;
  const cpuBefore = cpuOf(target.child);
  const result = await runLoad(target, {}, async () => {
    // Every stream is open: let them settle (a second, or a quarter of a short stream), then
    // read the heap (its GC's CPU is not counted).
    const settleMs = Math.min(1000, (settings.streamSeconds * 1000) / 4);
    await new Promise((settle) => setTimeout(settle, settleMs));
    const probeStart = cpuOf(target.child);
    openHeap = await heapOf(target.child);
    if (settings.heapSnapshotDir) await snapshotOf(target.child, settings.heapSnapshotDir);
    probeCpuUs = cpuOf(target.child) - probeStart;
  });
  const cpuUs = cpuOf(target.child) - cpuBefore - probeCpuUs;
  return {
    load: result,
    heapPerStreamBytes: (openHeap - idleHeap) / settings.clients,
    cpuPerChunkUs: cpuUs / Math.max(1, result.tokensDelivered),
  };
}

/** Runs the load generator (its own process) against a target until every stream ended. */
function runLoad(
  target: { url: string },
  env: Record<string, string>,
  onAllStreaming?: () => Promise<void>,
): Promise<SseLoadResult> {
  const load = spawnNode(['--import=tsx', thisFile], {
    env: {
      SCALE_CLIENTS: String(settings.clients),
      ...env,
      BREAKWATER_SCALE_ROLE: 'load',
      TARGET_URL: `${target.url}/chat/completions`,
    },
  });
  return new Promise<SseLoadResult>((resolve, reject) => {
    let probing = Promise.resolve();
    load.on('message', (message: { type: string; result?: SseLoadResult }) => {
      if (message.type === 'streaming' && onAllStreaming) probing = onAllStreaming();
      if (message.type === 'result') void probing.then(() => resolve(message.result!));
    });
    load.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

export default async function run(): Promise<string> {
  // A relaying process holds two descriptors per stream: the client's socket and the upstream call.
  const limit = hardFdLimit();
  const fits = Math.floor((limit - 200) / 2);
  let capNote = '';
  if (settings.clients > fits) {
    const advice = 'raise it (e.g. docker run --ulimit nofile=65536)';
    if (process.env.SCALE_CLIENTS) {
      throw new Error(
        `${settings.clients} streams need about ${settings.clients * 2 + 200} file descriptors per relaying process; the hard limit here is ${limit}: ${advice} or lower SCALE_CLIENTS.`,
      );
    }
    capNote = ` Capped from ${settings.clients.toLocaleString('en-US')} at ${fits.toLocaleString('en-US')}: this machine's hard limit of ${limit} file descriptors allows no more (${advice}).`;
    settings.clients = fits;
  }
  const configDir = mkdtempSync(join(tmpdir(), 'breakwater-scale-'));
  const children: ChildProcess[] = [];
  try {
    const upstream = await startRole('upstream');
    children.push(upstream.child);
    const proxy = await startRole('proxy', { UPSTREAM_URL: upstream.url });
    children.push(proxy.child);
    const gateway = await startGateway(upstream.url, configDir);
    children.push(gateway.child);
    const floor = await measure(proxy);
    const ours = await measure(gateway);
    return report(floor, ours, capNote);
  } finally {
    // The gateway shuts down gracefully on SIGTERM; a CPU profile is written when it exits.
    const exits = children.map((child) => new Promise((exited) => child.once('exit', exited)));
    for (const child of children) child.kill();
    if (settings.cpuProfileDir) await Promise.all(exits);
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** A histogram quantile for the table; none when nothing was recorded (it crossed IPC as null). */
function milliseconds(value: number | null): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(1) : '—';
}

function report(floor: TargetRun, ours: TargetRun, capNote: string): string {
  const row = (name: string, run: TargetRun) => [
    name,
    `${run.load.complete.toLocaleString('en-US')} / ${run.load.clients.toLocaleString('en-US')}`,
    `${run.load.tokensDelivered.toLocaleString('en-US')} / ${run.load.tokensExpected.toLocaleString('en-US')}`,
    `${(run.heapPerStreamBytes / 1024).toFixed(1)} KB`,
    `${run.cpuPerChunkUs.toFixed(1)} µs`,
    milliseconds(run.load.latencyMs.p50),
    milliseconds(run.load.latencyMs.p99),
    milliseconds(run.load.gapMs.p99),
  ];
  const lost = (run: TargetRun) => run.load.tokensExpected - run.load.tokensDelivered;
  const verdict = (met: boolean) => (met ? '**met**' : '**missed**');
  const cpuRatio = ours.cpuPerChunkUs / floor.cpuPerChunkUs;
  const failure = (run: TargetRun) =>
    run.load.firstFailure ? ` (first failure: ${run.load.firstFailure})` : '';
  return `## Gateway at scale: ${settings.clients.toLocaleString('en-US')} concurrent streams

${settings.clients.toLocaleString('en-US')} SSE clients, opened at ${settings.connectsPerSecond.toLocaleString('en-US')}/s, each receiving ${settings.tokensPerSecond} tokens/s for ${settings.streamSeconds} s (${tokensPerStream} chunks) from a mock upstream, through one process.${capNote}

${markdownTable(
  [
    'Path',
    'streams complete',
    'chunks delivered',
    'heap per open stream',
    'CPU per chunk',
    'latency p50 ms',
    'latency p99 ms',
    'gap p99 ms',
  ],
  [row('floor: bare node:http proxy', floor), row('breakwater gateway (openai-compatible)', ours)],
)}

Goals:

- No chunk lost: ${lost(ours).toLocaleString('en-US')} lost, ${ours.load.outOfOrder} out of order${failure(ours)} — ${verdict(lost(ours) === 0 && ours.load.outOfOrder === 0)} (the proxy lost ${lost(floor).toLocaleString('en-US')}${failure(floor)}).
- Heap at most 20 KB per open stream: ${(ours.heapPerStreamBytes / 1024).toFixed(1)} KB — ${verdict(ours.heapPerStreamBytes <= 20 * 1024)}.
- CPU per chunk at most 2× the proxy's: ${formatRatio(cpuRatio)} — ${verdict(cpuRatio <= 2)}.
- Delivery latency the gateway adds at p99: ${(ours.load.latencyMs.p99 - floor.load.latencyMs.p99).toFixed(1)} ms (p50 ${(ours.load.latencyMs.p50 - floor.load.latencyMs.p50).toFixed(1)} ms).

Method: the mock upstream writes each token with its send time; the load generator (its own process) reads every frame and records upstream write → client read per token and the gap between reads per stream, in 0.1 ms histograms. Heap per open stream is the serving process' heap after two forced GCs once every stream has its first token, minus the same before the load, divided by the streams. CPU per chunk is the serving process' user + system time (/proc) over the whole run, GC probe excluded, divided by the chunks delivered. Upstream, servers and load generator share the machine.`;
}

const role = process.env.BREAKWATER_SCALE_ROLE;
if (role) await runRole(role);
else if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  console.log(await run());
}
