import type { ExecuteGuard, GuardPermit, GuardRejection } from '@breakwater/llm-stream';
import { instrumentConcurrency, type Metrics } from '@breakwater/metrics';
import {
  type ConcurrencyRedisClient,
  createConcurrencyLimiter,
  createRedisConcurrencyStore,
} from '@breakwater/rate-limit';

/** How long a client is told to wait when every model it may use is at its concurrency limit. */
export const MODEL_BUSY_RETRY_AFTER_MS = 1000;

/** A model's circuit breaker, as the stream manager uses it. */
export interface ModelBreaker {
  tryAcquire(): GuardPermit | GuardRejection;
  readonly state?: unknown;
}

/** The guard of one model's calls: its concurrency slot, then its breaker's permit. */
export type SlottedGuard = ExecuteGuard & { readonly state?: unknown };

/** Calls in flight per model, across every instance sharing Redis. */
export interface ModelSlots {
  /**
   * The guard for one attempt on `model`: a model without a `concurrency` limit is guarded by its
   * breaker alone; otherwise each attempt first takes one of its slots (without waiting) and
   * holds it until the stream ends, fails, is cancelled or its client goes away. A model with no
   * free slot refuses the attempt like an open circuit, so the stream fails over to the next model.
   */
  guard(model: ModelSlotsModel, breaker: ModelBreaker): ModelBreaker | SlottedGuard;
  /** Calls of `model` in flight now. */
  inFlight(model: string): Promise<number>;
  instrument(metrics: Metrics): () => void;
}

/** What {@link ModelSlots.guard} reads of a model. */
export interface ModelSlotsModel {
  readonly name: string;
  /** Calls in flight at once; undefined for no limit. */
  readonly concurrency?: number;
}

/** Options for {@link createModelSlots}. */
export interface ModelSlotsOptions {
  /** Shared Redis; slots are counted in this process only when absent. */
  readonly redis?: ConcurrencyRedisClient;
  /** Longest wait for one Redis call. */
  readonly redisTimeoutMs: number;
}

/** An attempt the guard refused: read by llm-stream like a breaker's rejection. */
function refusal(code: string, message: string, retryAfterMs: number, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? {} : { cause }), {
    code,
    retryAfterMs,
  });
}

/** Builds the per-model slots on `@breakwater/rate-limit`'s concurrency limiter. */
export function createModelSlots(options: ModelSlotsOptions): ModelSlots {
  const limiter = createConcurrencyLimiter({
    maxWaitMs: 0,
    storeTimeoutMs: options.redisTimeoutMs,
    ...(options.redis
      ? {
          store: createRedisConcurrencyStore({
            client: options.redis,
            prefix: 'breakwater:cc-model',
          }),
        }
      : {}),
  });
  return {
    guard(model, breaker) {
      const limit = model.concurrency;
      if (limit === undefined) return breaker;
      return {
        get state() {
          return breaker.state;
        },
        async execute<T>(fn: (signal: AbortSignal) => Promise<T>, call?: { signal?: AbortSignal }) {
          const decision = await limiter.acquire(model.name, { limit });
          if (!decision.acquired) {
            throw refusal(
              'MODEL_BUSY',
              `model ${model.name} has ${decision.limit} calls in flight, its concurrency limit`,
              MODEL_BUSY_RETRY_AFTER_MS,
            );
          }
          const release = () => {
            // A lease not released expires on its own once the limiter stops renewing it.
            decision.lease.release().catch(() => undefined);
          };
          const permit = breaker.tryAcquire();
          if (!permit.ok) {
            release();
            throw refusal(
              permit.error.code,
              permit.error.message,
              permit.retryAfterMs,
              permit.error,
            );
          }
          // llm-stream settles `fn` on success and on cancel alike (a cancel is no upstream failure).
          try {
            const result = await fn(call?.signal ?? new AbortController().signal);
            permit.success();
            return result;
          } catch (error) {
            permit.failure(error);
            throw error;
          } finally {
            release();
          }
        },
      };
    },
    inFlight: (model) => limiter.inFlight(model),
    instrument: (metrics) => instrumentConcurrency(metrics, limiter, { name: 'model' }),
  };
}
