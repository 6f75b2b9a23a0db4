import { startRedisServer } from '@breakwater/testing';
import { Redis } from 'ioredis';

/**
 * Runs `section` with a flushed ioredis client on `REDIS_URL`, or on a redis-server started for
 * it when that is unset; disconnects (and stops the server) afterwards.
 */
export async function withBenchRedis<T>(section: (client: Redis) => Promise<T>): Promise<T> {
  const external = process.env.REDIS_URL;
  const server = external ? undefined : await startRedisServer();
  const client = new Redis(external ?? (server?.url as string));
  try {
    await client.flushdb();
    return await section(client);
  } finally {
    client.disconnect();
    await server?.stop();
  }
}
