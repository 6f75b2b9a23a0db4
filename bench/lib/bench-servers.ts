/**
 * The servers of the gateway benchmarks, each in a process of its own like in production: the
 * fake OpenAI upstream, the two floor proxies (`server-role.ts` runs them) and the example
 * gateway (its compiled `dist/main.js`, as it runs in production).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrinting } from './bench-processes.js';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/** autocannon's programmatic API (the parts the benchmarks use). */
export type Autocannon = (options: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<AutocannonResult>;

export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** The Chat Completions request every gateway benchmark sends. */
export function chatRequestBody(stream: boolean, model = 'gpt-4o'): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Benchmark the gateway.' }],
    max_tokens: 64,
    ...(stream ? { stream: true } : {}),
  });
}

/** What `server-role.ts` can run. */
export type ServerRole = 'upstream' | 'floor' | 'rewriting';

const roleFile = fileURLToPath(new URL('./server-role.ts', import.meta.url));

/** Starts a server role in a child process; resolves with the URL it prints. */
export function startRole(
  role: ServerRole,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ url: string; process: ChildProcess }> {
  return startPrinting(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', roleFile],
    { ...env, BREAKWATER_BENCH_ROLE: role },
    'url=',
  );
}

/** The example gateway's directory; the bench runs its compiled `dist/main.js`, never imports its files. */
const gatewayDir = fileURLToPath(new URL('../../examples/llm-gateway/', import.meta.url));

/** The gateway's configuration for the benchmark: both provider styles, one upstream each way. */
const gatewayConfig = {
  logger: false,
  cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
  retry: false,
  failover: false,
  apiKeys: [{ key: 'sk-bench', userId: 'bench', tier: 'BENCH' }],
  tiers: { BENCH: { requestsPerMinute: 1e9, tokensPerDay: 1e12 } },
  // One user drives all the load: its in-flight limit is never reached (the limiter still runs).
  concurrency: { perUser: 1_000_000, maxWaitMs: 2000 },
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
    // The same upstream declared as a generic OpenAI-compatible server (vLLM, Ollama, LiteLLM style).
    {
      name: 'compatible',
      provider: 'openai-compatible',
      upstreamModel: 'gpt-4o',
      apiKeyEnv: 'OPENAI_API_KEY',
      baseUrlEnv: 'OPENAI_BASE_URL',
    },
    {
      name: 'compatible-paced',
      provider: 'openai-compatible',
      upstreamModel: 'gpt-4o',
      apiKeyEnv: 'OPENAI_API_KEY',
      baseUrlEnv: 'PACED_BASE_URL',
    },
  ],
};

/** Starts the example gateway as it runs in production (its compiled `dist/main.js`), on a free port. */
export async function startGateway(
  upstreamUrl: string,
  pacedUrl: string,
  nodeArgs: readonly string[] = [],
): Promise<{ url: string; process: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'breakwater-bench-'));
  const configFile = join(dir, 'gateway.config.json');
  writeFileSync(configFile, JSON.stringify(gatewayConfig));
  try {
    return await startPrinting(
      process.execPath,
      // The production build (`pnpm build` compiles it), as `pnpm start:prod` and the Dockerfile run it.
      [...nodeArgs, 'dist/main.js'],
      {
        GATEWAY_CONFIG: configFile,
        PORT: '0',
        HOST: '127.0.0.1',
        OPENAI_API_KEY: 'sk-upstream',
        OPENAI_BASE_URL: upstreamUrl,
        PACED_BASE_URL: pacedUrl,
        REDIS_URL: '',
        GATEWAY_API_KEYS: '',
      },
      'Breakwater LLM gateway on ',
      { cwd: gatewayDir },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
