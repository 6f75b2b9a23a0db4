import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { useRedis, useRedisCluster } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import type { ConcurrencyRedisClient } from './redis-concurrency-store.js';
import { createRedisConcurrencyStore } from './redis-concurrency-store.js';

const WORKER = fileURLToPath(new URL('./__fixtures__/concurrency-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PROCESSES = 4;
const LIMIT = 10;
const LEASE_MS = 2_000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    /** Resolves once the worker printed `line`; rejects if it exits first. */
    async line(line: string) {
      await Promise.race([
        vi.waitFor(() => expect(output.split('\n')).toContain(line), {
          timeout: 60_000,
          interval: 20,
        }),
        exited.then((code) => {
          throw new Error(`worker exited with ${code} before printing ${line}: ${output}`);
        }),
      ]);
    },
    async result() {
      const code = await exited;
      if (code !== 0) throw new Error(`worker exited with ${code}: ${output}`);
      return JSON.parse(output.split('\n').filter(Boolean).at(-1) as string) as {
        maxSeen: number;
        grants: number;
      };
    },
  };
}

interface Target {
  /** Environment that points a worker at the store's Redis. */
  readonly env: () => Record<string, string>;
  readonly client: () => ConcurrencyRedisClient;
  readonly prefix: () => string;
}

function describeProofs(name: string, target: Target, counterUrl: () => string) {
  describe(name, () => {
    it(`never has more than the limit in flight: ${PROCESSES} processes × 200 acquirers`, async () => {
      const key = 'model:gpt';
      const counterKey = `${target.prefix()}in-flight`;
      const env = {
        ...target.env(),
        MODE: 'burst',
        KEY: key,
        LIMIT: String(LIMIT),
        PREFIX: target.prefix(),
        COUNTER_URL: counterUrl(),
        COUNTER_KEY: counterKey,
      };
      const workers = Array.from({ length: PROCESSES }, () => startWorker(env));
      await Promise.all(workers.map((worker) => worker.line('ready')));
      // Every process is connected before any starts: their 200-acquirer bursts overlap.
      for (const worker of workers) worker.child.stdin?.write('go\n');
      const results = await Promise.all(workers.map((worker) => worker.result()));

      const maxSeen = Math.max(...results.map((result) => result.maxSeen));
      expect(maxSeen).toBeLessThanOrEqual(LIMIT);
      // The slots were contended, not handed out one at a time.
      expect(maxSeen).toBeGreaterThan(1);
      expect(results.map((result) => result.grants)).toEqual([400, 400, 400, 400]);
      const store = createRedisConcurrencyStore({
        client: target.client(),
        prefix: target.prefix(),
      });
      expect(await store.inFlight(key)).toBe(0);
    }, 180_000);

    it('gives a SIGKILLed holder’s slot back within the lease time, and not before', async () => {
      const key = 'user:killed';
      const holder = startWorker({
        ...target.env(),
        MODE: 'hold',
        KEY: key,
        LIMIT: '1',
        LEASE_MS: String(LEASE_MS),
        PREFIX: target.prefix(),
      });
      await holder.line('held');
      const limiter = createConcurrencyLimiter({
        store: createRedisConcurrencyStore({ client: target.client(), prefix: target.prefix() }),
        limit: 1,
        leaseMs: LEASE_MS,
        maxQueue: 1,
        maxWaitMs: 60_000,
      });
      // The live holder renews: after two lease times its slot is still taken.
      await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
      expect(await limiter.acquire(key, { maxWaitMs: 0 })).toMatchObject({
        acquired: false,
        reason: 'limit',
        inFlight: 1,
      });

      holder.child.kill('SIGKILL');
      await once(holder.child, 'exit');
      const killedAt = Date.now();
      const decision = await limiter.acquire(key);
      if (!decision.acquired) throw new Error(`the slot never came back: ${decision.reason}`);
      // Nobody released it: the lease expired on the Redis clock, at most LEASE_MS after the
      // holder's last renewal (the bound is loose for a loaded machine, the lease is not).
      expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 3_000);
      await decision.lease.release();
    }, 60_000);
  });
}

describe('concurrency limits across OS processes', () => {
  const redis = useRedis();
  const cluster = useRedisCluster();

  describeProofs(
    'on one Redis server',
    {
      env: () => ({ REDIS_URL: redis.url }),
      client: () => redis.client,
      prefix: () => `${redis.prefix}cc`,
    },
    () => redis.url,
  );

  describeProofs(
    'on a 3-master Redis Cluster',
    {
      env: () => ({
        CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(','),
      }),
      client: () => cluster.client,
      prefix: () => `${cluster.prefix}cc`,
    },
    () => redis.url,
  );
});
