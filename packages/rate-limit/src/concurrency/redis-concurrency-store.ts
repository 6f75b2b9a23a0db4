import {
  ACQUIRE_SCRIPT,
  type ConcurrencyScript,
  IN_FLIGHT_SCRIPT,
  RENEW_SCRIPT,
} from './concurrency-scripts.js';
import type {
  ConcurrencyAcquireReply,
  ConcurrencyReleaseCall,
  ConcurrencyRenewCall,
  ConcurrencyStore,
} from './concurrency-store.js';

/**
 * The Redis commands the store uses, typed structurally: an ioredis `Redis` and a `Cluster`
 * both fit, and nothing here needs ioredis' types.
 */
export interface ConcurrencyRedisClient {
  evalsha(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<number>;
}

/** Options for {@link createRedisConcurrencyStore}. */
export interface RedisConcurrencyStoreOptions {
  /** A connected ioredis `Redis` or `Cluster`. */
  readonly client: ConcurrencyRedisClient;
  /**
   * Key prefix. A key's leases live in one sorted set, `{<prefix>:<key>}`: a hash tag, so the
   * whole key maps to one Redis Cluster slot whatever braces the key itself contains.
   * @default 'cc'
   */
  readonly prefix?: string;
}

/** A {@link ConcurrencyStore} on Redis or Redis Cluster. */
export interface RedisConcurrencyStore extends ConcurrencyStore {
  acquire(call: Parameters<ConcurrencyStore['acquire']>[0]): Promise<ConcurrencyAcquireReply>;
  renew(call: ConcurrencyRenewCall): Promise<readonly string[]>;
  release(call: ConcurrencyReleaseCall): Promise<boolean>;
  inFlight(key: string): Promise<number>;
  /** The key prefix. */
  readonly prefix: string;
  /** The Redis key of a key's sorted set of leases. */
  keyOf(key: string): string;
}

/**
 * Creates a concurrency store on Redis: per key, one sorted set of lease ids scored by their
 * expiry on the Redis server's clock (`TIME`). Acquire, renew and count are one Lua script
 * each (EVALSHA, reloaded with EVAL when Redis answers NOSCRIPT), release a plain ZREM: every
 * operation is one round trip touching one key.
 */
export function createRedisConcurrencyStore(
  options: RedisConcurrencyStoreOptions,
): RedisConcurrencyStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createRedisConcurrencyStore needs an options object with a client');
  const { client } = options;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function' ||
    typeof client.zrem !== 'function'
  )
    throw new TypeError(
      'client must be an ioredis Redis or Cluster (evalsha, eval and zrem needed)',
    );
  const prefix = options.prefix ?? 'cc';
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new TypeError(`prefix must be a string without braces, got ${String(prefix)}`);

  const keyOf = (key: string) => `{${prefix}:${key}}`;

  async function run(script: ConcurrencyScript, key: string, args: Array<string | number>) {
    try {
      return await client.evalsha(script.sha, 1, keyOf(key), ...args);
    } catch (error) {
      // Redis forgets scripts on restart or SCRIPT FLUSH: EVAL runs and caches it again.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
        return client.eval(script.source, 1, keyOf(key), ...args);
      throw error;
    }
  }

  return {
    prefix,
    keyOf,
    async acquire({ key, leaseId, limit, leaseMs }) {
      const [acquired, inFlight, nextExpiryMs] = (await run(ACQUIRE_SCRIPT, key, [
        leaseId,
        limit,
        leaseMs,
      ])) as [number, number, number];
      return { acquired: acquired === 1, inFlight, nextExpiryMs };
    },
    async renew({ key, leaseIds, leaseMs }) {
      if (leaseIds.length === 0) return [];
      return (await run(RENEW_SCRIPT, key, [leaseMs, ...leaseIds])) as string[];
    },
    async release({ key, leaseId }) {
      // A plain ZREM: one command, no script (the last lease's removal deletes the key).
      return (await client.zrem(keyOf(key), leaseId)) === 1;
    },
    async inFlight(key) {
      return (await run(IN_FLIGHT_SCRIPT, key, [])) as number;
    },
  };
}
