import type {
  ExecuteGuard,
  GuardPermit,
  GuardRejection,
  PermitGuard,
} from '@breakwater/llm-stream';
import { instrumentConcurrency, type Metrics } from '@breakwater/metrics';
import {
  type ConcurrencyRedisClient,
  createConcurrencyLimiter,
  createRedisConcurrencyStore,
  type ProviderQuotaTracker,
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

/** Calls in flight per model (across every instance sharing Redis) and provider quotas per model. */
export interface ModelSlots {
  /**
   * The guard for one attempt on `model` with a request of `tokens` (input estimate plus
   * `max_tokens`). An attempt takes, in order: one of the model's slots when it has a
   * `concurrency` limit (without waiting; held until the stream ends, fails, is cancelled or its
   * client goes away), admission by the provider quota its earlier answers reported (when it
   * has a `quotaKey`), then its breaker's permit. A refusal of either of the first two is read
   * like an open circuit, so the stream fails over to the next model.
   */
  guard(
    model: ModelSlotsModel,
    breaker: ModelBreaker,
    request: { readonly tokens: number },
  ): ModelBreaker | SlottedGuard;
  /** Calls of `model` in flight now. */
  inFlight(model: string): Promise<number>;
  instrument(metrics: Metrics): () => void;
}

/** What {@link ModelSlots.guard} reads of a model. */
export interface ModelSlotsModel {
  readonly name: string;
  /** Calls in flight at once; undefined for no limit. */
  readonly concurrency?: number;
  /** The provider quota key, for models whose answers report their quota. */
  readonly quotaKey?: string;
}

/** Options for {@link createModelSlots}. */
export interface ModelSlotsOptions {
  /** Shared Redis; slots are counted in this process only when absent. */
  readonly redis?: ConcurrencyRedisClient;
  /** Longest wait for one Redis call. */
  readonly redisTimeoutMs: number;
  /** What the providers' answers said of their quotas, by {@link ModelSlotsModel.quotaKey}. */
  readonly quotas: ProviderQuotaTracker;
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
  /** The provider quota's refusal of a request, when its last answers say it would be a 429. */
  const quotaRefusal = (model: ModelSlotsModel, tokens: number): GuardRejection | undefined => {
    if (model.quotaKey === undefined) return undefined;
    const decision = options.quotas.admit(model.quotaKey, { tokens });
    if (decision.allowed) return undefined;
    return {
      ok: false,
      error: refusal(
        'PROVIDER_QUOTA',
        `the provider quota of model ${model.name} is used up (${decision.limitedBy}) for ${Math.ceil(decision.retryAfterMs / 1000)} s`,
        decision.retryAfterMs,
      ) as Error & { code: string },
      retryAfterMs: decision.retryAfterMs,
    };
  };
  return {
    guard(model, breaker, request) {
      const limit = model.concurrency;
      if (limit === undefined) {
        if (model.quotaKey === undefined) return breaker;
        const quoted: PermitGuard & { readonly state?: unknown } = {
          get state() {
            return breaker.state;
          },
          tryAcquire: () => quotaRefusal(model, request.tokens) ?? breaker.tryAcquire(),
        };
        return quoted;
      }
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
          const permit = quotaRefusal(model, request.tokens) ?? breaker.tryAcquire();
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
