import { instrumentConcurrency, type Metrics } from '@breakwater/metrics';
import {
  type ConcurrencyRedisClient,
  createConcurrencyLimiter,
  createRedisConcurrencyStore,
} from '@breakwater/rate-limit';
import type { Identity } from './identity.js';
import { type Problem, problem } from './problem.js';

/** A slot held for one model call, released when its stream ends. */
export interface HeldSlot {
  readonly ok: true;
  release(): Promise<void>;
}

/** No slot free for the caller: a 429. */
export interface RefusedSlot {
  readonly ok: false;
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
}

/** Model calls in flight per user, across every instance sharing Redis. */
export interface ConcurrencySlots {
  /** One slot of the user's `limit` (default {@link ConcurrencySlotsOptions.perUser}). */
  acquire(identity: Identity, limit?: number): Promise<HeldSlot | RefusedSlot>;
  /** A user's calls in flight and limit, for the quota endpoint; `in_flight` is null when Redis does not answer. */
  usage(userId: string, limit?: number): Promise<ConcurrencyUsage>;
  instrument(metrics: Metrics): () => void;
}

/** `concurrency` of the quota endpoint, in the API's snake_case. */
export interface ConcurrencyUsage {
  readonly in_flight: number | null;
  readonly limit: number;
}

/** Options for {@link createConcurrencySlots}. */
export interface ConcurrencySlotsOptions {
  /** Model calls one user may have in flight when the call names no limit. */
  readonly perUser: number;
  /** How long a call may wait for a slot before it is refused. */
  readonly maxWaitMs: number;
  /** Shared Redis; slots are counted in this process only when absent. */
  readonly redis?: ConcurrencyRedisClient;
  /** Longest wait for one Redis call. */
  readonly redisTimeoutMs: number;
}

/**
 * Builds the per-user concurrency slots on `@breakwater/rate-limit`'s concurrency limiter:
 * leases in Redis (renewed while held, expiring if this process dies) or in memory.
 */
export function createConcurrencySlots(options: ConcurrencySlotsOptions): ConcurrencySlots {
  const limiter = createConcurrencyLimiter({
    limit: options.perUser,
    maxWaitMs: options.maxWaitMs,
    storeTimeoutMs: options.redisTimeoutMs,
    ...(options.redis
      ? { store: createRedisConcurrencyStore({ client: options.redis, prefix: 'breakwater:cc' }) }
      : {}),
  });
  return {
    async acquire(identity, limit) {
      const decision = await limiter.acquire(identity.userId, limit === undefined ? {} : { limit });
      if (decision.acquired) return { ok: true, release: () => decision.lease.release() };
      const retryAfterSeconds = Math.max(1, Math.ceil(options.maxWaitMs / 1000));
      return {
        ok: false,
        headers: { 'Retry-After': String(retryAfterSeconds) },
        problem: problem(429, {
          code: 'concurrency_limit',
          detail: `${decision.limit} model calls of yours are already in flight; wait for one to end.`,
        }),
      };
    },
    async usage(userId, limit) {
      const inFlight = await limiter.inFlight(userId).catch(() => null);
      return { in_flight: inFlight, limit: limit ?? options.perUser };
    },
    instrument: (metrics) => instrumentConcurrency(metrics, limiter, { name: 'chat' }),
  };
}
