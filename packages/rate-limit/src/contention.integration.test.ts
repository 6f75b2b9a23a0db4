import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type RedisServerHandle, startRedisServer } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENTION_TIERS } from './__fixtures__/contention-tiers.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisStore } from './redis-store.js';

const WORKER = fileURLToPath(new URL('./__fixtures__/contention-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROCESSES = 4;

interface ScenarioResult {
  requests: number[];
  reservations: number[];
  committed: number;
}

interface WorkerResult {
  /** Through a store that sends one EVALSHA per decision: 800 commands race. */
  single: ScenarioResult;
  /** Through the default store, which batches the decisions of one tick. */
  batched: ScenarioResult;
}

function startWorker(url: string, prefix: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: url, PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.startsWith('ready\n')) resolve();
    });
  });
  const result = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`worker exited with ${code}: ${output}`);
    return JSON.parse(output.slice('ready\n'.length)) as WorkerResult;
  });
  return { child, ready, result };
}

describe('exactness under contention: 4 processes × 200 concurrent calls on one Redis', () => {
  let server: RedisServerHandle;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await server?.stop();
  });

  it('never admits more than any window allows, and accounts every token', async () => {
    const prefix = 'contention';
    const workers = Array.from({ length: PROCESSES }, () => startWorker(server.url, prefix));
    children.push(...workers.map((worker) => worker.child));
    await Promise.all(workers.map((worker) => worker.ready));
    // Every process is connected before any starts: their 200-call bursts overlap.
    for (const worker of workers) worker.child.stdin?.write('go\n');
    const results = await Promise.all(workers.map((worker) => worker.result));

    for (const mode of ['single', 'batched'] as const) {
      const granted = results.flatMap((result) => result[mode].requests).sort((a, b) => a - b);
      expect(granted).toEqual(Array.from({ length: 300 }, (_, index) => index));
      const reserved = results.flatMap((result) => result[mode].reservations).sort((a, b) => a - b);
      expect(reserved).toEqual(Array.from({ length: 250 }, (_, index) => index * 100));
    }
    // One command per decision: several processes won some of the 300, so their calls
    // interleaved (a process scheduled late on a busy machine may find them all gone).
    const winners = results.filter((result) => result.single.requests.length > 0);
    expect(winners.length).toBeGreaterThanOrEqual(2);

    const client = new Redis(server.url);
    try {
      for (const mode of ['single', 'batched'] as const) {
        const limiter = createRateLimiter({
          store: createRedisStore({ client, prefix: `${prefix}:${mode === 'batched'}` }),
          tiers: CONTENTION_TIERS,
          defaultTier: 'REQ',
        });
        const requests = await limiter.getQuota('req', 'REQ');
        // All-or-nothing across processes: the non-binding windows were charged exactly 300.
        expect(requests.policies.map((policy) => policy.remaining)).toEqual([0, 700, 9_700]);
        const tokens = await limiter.getQuota('tok', 'TOK');
        expect(tokens.usage).toMatchObject({
          tokensToday: 25_000,
          tokensReserved: 0,
          tokensRemaining: 0,
        });
        const mixed = await limiter.getQuota('mix', 'MIX');
        const committed = results.reduce((sum, result) => sum + result[mode].committed, 0);
        expect(committed).toBeGreaterThan(0);
        expect(mixed.usage).toMatchObject({ tokensToday: committed, tokensReserved: 0 });
      }
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
