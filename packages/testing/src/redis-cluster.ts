import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isPortFree } from './free-port.js';
import { spawnRedisServer, stopProcess } from './redis-process.js';

const run = promisify(execFile);

/** A Redis Cluster of `masters` cluster-enabled servers owned by the test harness. */
export interface RedisClusterHandle {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** Cluster start-ups tried before giving up: ports are picked free, then bound, and a parallel test can win the race. */
const START_ATTEMPTS = 3;

/**
 * Starts `masters` cluster-enabled `redis-server`s (no replicas) in a temporary folder,
 * joins them with `redis-cli --cluster create` and waits until every node reports
 * `cluster_state:ok`. A failed start is tried again on fresh ports.
 */
export async function startRedisCluster(
  options: { masters?: number } = {},
): Promise<RedisClusterHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || error instanceof RangeError) throw error;
    }
  }
}

async function startClusterOnce(options: { masters?: number }): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new RangeError(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  const dir = await mkdtemp(join(tmpdir(), 'breakwater-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopProcess(child, 'SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index++) {
      const port = await freePort(
        async (candidate) => !ports.includes(candidate) && (await isPortFree(candidate + 10_000)),
      );
      ports.push(port);
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
      ];
      children.push(await spawnRedisServer(args, dir));
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 20_000 },
    );
    await waitForClusterOk(ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}

async function waitForClusterOk(ports: number[]) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ports.map(async (port) => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      }),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error('Redis Cluster did not reach cluster_state:ok in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
