import type { Redis } from 'ioredis';
import type { RateLimitStore, StoreOperation, StoreReply } from './rate-limit-store.js';
import { tierScript } from './redis-script.js';
import { PROBE_PLAN, type TierPlan } from './tier-plan.js';

/**
 * The ioredis commands the Redis store uses; an ioredis `Redis` and a `Cluster` both fit.
 * A `status` member, when present, lets a fallback store skip a connection that is not ready.
 */
export type RedisScriptClient = Pick<Redis, 'evalsha' | 'eval' | 'del'> & {
  readonly status?: string;
};

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected ioredis `Redis` or `Cluster`. */
  readonly client: RedisScriptClient;
  /**
   * Key prefix. A subject's keys are `{<prefix>:<key>}` and `{<prefix>:<key>}:h`: one hash tag,
   * so one Lua script can touch both on Redis Cluster.
   * @default 'rl'
   */
  readonly prefix?: string;
}

/** A {@link RateLimitStore} on Redis or Redis Cluster. */
export interface RedisStore extends RateLimitStore {
  readonly local: false;
  /** The key prefix. */
  readonly prefix: string;
  /** The Redis key of a subject's windows (its holds live at the same key plus `:h`). */
  keyOf(subject: string): string;
  isReady(): boolean;
  probe(): Promise<void>;
}

/**
 * Creates a store that decides on Redis: one EVALSHA per decision (reloaded with EVAL when
 * Redis answers NOSCRIPT), every window checked and updated atomically by one Lua script on
 * the Redis server's clock. Each tier gets its own script with its windows built in.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return createRedisStoreInternal(options, undefined);
}

/**
 * {@link createRedisStore} with the script's clock replaced (tests only: it lets a property
 * test compare Redis with memory at the same instants).
 * @internal
 */
export function createRedisStoreInternal(
  options: RedisStoreOptions,
  clock: (() => number) | undefined,
): RedisStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createRedisStore needs an options object with a client');
  const { client } = options;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function'
  )
    throw new TypeError('client must be an ioredis Redis or Cluster (evalsha and eval needed)');
  const prefix = options.prefix ?? 'rl';
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new TypeError(`prefix must be a string without braces, got ${String(prefix)}`);

  const keyOf = (subject: string) => `{${prefix}:${subject}}`;

  function run(plan: TierPlan, args: Array<string | number>): Promise<StoreReply> {
    const script = tierScript(plan);
    return (client.evalsha(script.sha, 2, args as string[]) as Promise<StoreReply>).catch(
      (error: unknown) => {
        // Redis forgets scripts on restart or SCRIPT FLUSH: EVAL runs and caches it again.
        if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
          return client.eval(script.source, 2, args as string[]) as Promise<StoreReply>;
        throw error;
      },
    );
  }

  function execute(
    subject: string,
    plan: TierPlan,
    operation: StoreOperation,
    cost: number,
    tokens: number,
    holdId: string,
  ): Promise<StoreReply> {
    const key = keyOf(subject);
    const member = holdId === '' ? '' : `${operation === 1 ? cost : tokens}:${holdId}`;
    return run(plan, [
      key,
      `${key}:h`,
      operation,
      clock === undefined ? '' : clock(),
      cost,
      tokens,
      member,
    ]);
  }

  return {
    local: false,
    prefix,
    keyOf,
    execute,
    async reset(subject) {
      const key = keyOf(subject);
      await client.del(key, `${key}:h`);
    },
    isReady() {
      return client.status === undefined || client.status === 'ready';
    },
    async probe() {
      await execute('__probe__', PROBE_PLAN, 2, 1, 0, '');
    },
  };
}
