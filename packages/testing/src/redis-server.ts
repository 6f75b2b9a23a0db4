import type { ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';
import { spawnRedisServer, stopProcess } from './redis-process.js';

/** A `redis-server` process owned by the test harness. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server; it can be started again on the same port with {@link RedisServerHandle.start}. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (after `stop()`). */
  start(): Promise<void>;
}

/** Options for {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to listen on. @default a free port */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
}

/**
 * Starts a throw-away `redis-server` on 127.0.0.1 that keeps nothing on disk.
 * Fails with {@link RedisNotAvailableError} when `redis-server` is not installed.
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined = await spawnRedisServer(args);
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child) await stopProcess(child);
      child = undefined;
    },
    async start() {
      if (!child) child = await spawnRedisServer(args);
    },
  };
}
