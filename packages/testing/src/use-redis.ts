import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { type RedisClusterHandle, startRedisCluster } from './redis-cluster.js';

/** What a test gets from {@link useRedis} / {@link useRedisCluster}. */
export interface RedisTestContext<Client> {
  /** A connected client, shared by the tests of one file. */
  readonly client: Client;
  /** A key prefix unique to the current test, e.g. `t:1a2b3c4d:`. */
  readonly prefix: string;
}

/** Builds a fresh per-test key prefix, so tests sharing one server never see each other's keys. */
function nextPrefix() {
  return `t:${randomUUID().slice(0, 8)}:`;
}

/**
 * Registers hooks that connect an ioredis client to the run's Redis server (see the
 * global setup) and hand every test a unique key prefix.
 */
export function useRedis(): RedisTestContext<Redis> & { readonly url: string } {
  let client: Redis | undefined;
  let prefix = nextPrefix();
  let url = '';
  beforeAll(async () => {
    url = inject('redisUrl');
    client = new Redis(url, { lazyConnect: true });
    await client.connect();
  });
  beforeEach(() => {
    prefix = nextPrefix();
  });
  afterAll(async () => {
    await client?.quit();
  });
  return {
    get client() {
      if (!client) throw new Error('useRedis(): the client exists only inside tests and hooks');
      return client;
    },
    get prefix() {
      return prefix;
    },
    get url() {
      return url;
    },
  };
}

/**
 * Registers hooks that start a 3-master Redis Cluster for this test file (or use
 * REDIS_CLUSTER_NODES=host:port,host:port,...), connect an ioredis `Cluster`, and stop
 * everything after the file's tests, passed or failed.
 */
export function useRedisCluster(): RedisTestContext<Cluster> & {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
} {
  let client: Cluster | undefined;
  let handle: RedisClusterHandle | undefined;
  let nodes: Array<{ host: string; port: number }> = [];
  let prefix = nextPrefix();
  beforeAll(async () => {
    const configured = process.env.REDIS_CLUSTER_NODES;
    if (configured) {
      nodes = configured.split(',').map((entry) => {
        const [host = '127.0.0.1', port = '6379'] = entry.trim().split(':');
        return { host, port: Number(port) };
      });
    } else {
      handle = await startRedisCluster({ masters: 3 });
      nodes = [...handle.nodes];
    }
    client = new Cluster(nodes, { lazyConnect: true });
    await client.connect();
  }, 60_000);
  beforeEach(() => {
    prefix = nextPrefix();
  });
  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    await handle?.stop();
  });
  return {
    get client() {
      if (!client)
        throw new Error('useRedisCluster(): the client exists only inside tests and hooks');
      return client;
    },
    get prefix() {
      return prefix;
    },
    get nodes() {
      return nodes;
    },
  };
}
