import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { RedisNotAvailableError } from './redis-not-installed-error.js';
import { type RedisServerHandle, startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server every test file shares (REDIS_URL, or one the harness started). */
    redisUrl: string;
  }
}

let server: RedisServerHandle | undefined;

/**
 * Vitest global setup: one Redis for the whole run. With REDIS_URL set it checks that
 * server answers; otherwise it starts its own `redis-server` on a free port and stops
 * it in teardown, whether the tests passed or not.
 */
export async function setup(project: TestProject) {
  const configured = process.env.REDIS_URL;
  if (configured) {
    await assertReachable(configured);
    project.provide('redisUrl', configured);
    return;
  }
  try {
    server = await startRedisServer();
  } catch (error) {
    if (error instanceof RedisNotAvailableError) {
      // One clear line instead of a stack: the run cannot prove anything without Redis.
      console.error(`\n${error.message}\n`);
    }
    throw error;
  }
  project.provide('redisUrl', server.url);
}

export async function teardown() {
  await server?.stop();
}

async function assertReachable(url: string) {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new RedisNotAvailableError(error);
  } finally {
    client.disconnect();
  }
}
