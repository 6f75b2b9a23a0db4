import { instrumentRateLimiter, type Metrics } from '@breakwater/metrics';
import {
  createFallbackStore,
  createMemoryStore,
  createQuotaExceededProblem,
  createRateLimiter,
  createRateLimitHandler,
  createRedisStore,
  type FallbackStore,
  formatRateLimitHeaders,
  isStoreNotReadyError,
  isStoreTimeoutError,
  type RateLimiter,
  type RateLimitQuota,
  TIER_PRESETS,
  tierFromLimits,
} from '@breakwater/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { TierConfig } from './config.js';
import type { Identity } from './identity.js';
import { type Problem, ProblemError, problem, sendProblem } from './problem.js';
import type { HeldReservation, RefusedReservation, TokenBudget } from './token-budget.js';

/** The gateway's rate limiting: request windows per route, AI-token reservations per call. */
export interface GatewayLimiter extends TokenBudget {
  readonly backend: 'memory' | 'redis';
  /** True while Redis is unreachable and decisions run on the local fallback. */
  readonly fallbackEngaged: boolean;
  /**
   * Adds the request-window check (429 + headers) to every route of `scope`, as a
   * `preHandler`: cheap refusals (404, 415, 400) come first and spend nothing.
   */
  protect(scope: FastifyInstance): void;
  /** Model calls one user of `tier` may have in flight; undefined when the tier sets none. */
  concurrencyOf(tier: string): number | undefined;
  /** Counts one request (a WebSocket message); the decision is a value. */
  check(identity: Identity, endpoint: string): ReturnType<RateLimiter['limit']>;
  /** The quota as the admin API answers it (snake_case JSON). */
  getQuota(userId: string, tier: string): Promise<QuotaBody>;
  /** Forgets a user's windows; a 503 {@link ProblemError} when the store does not answer in time. */
  reset(userId: string): Promise<void>;
  instrument(metrics: Metrics): () => void;
  close(): Promise<void>;
}

/** `GET /api/rate-limit/quota/:user_id`: the limiter's quota in the API's snake_case. */
export interface QuotaBody {
  readonly user_id: string;
  readonly tier: string;
  readonly limits: {
    readonly requests_per_minute: number | null;
    readonly requests_per_hour: number | null;
    readonly requests_per_day: number | null;
    readonly ai_tokens_per_day: number | null;
  };
  readonly current_usage: {
    readonly requests_this_minute: number | null;
    readonly requests_this_hour: number | null;
    readonly requests_today: number | null;
    readonly tokens_today: number | null;
    readonly tokens_remaining: number | null;
    readonly tokens_reserved: number;
  };
  readonly policies: RateLimitQuota['policies'];
}

function quotaBody(quota: RateLimitQuota): QuotaBody {
  const { limits, usage } = quota;
  return {
    user_id: quota.key,
    tier: quota.tier,
    limits: {
      requests_per_minute: limits.requestsPerMinute,
      requests_per_hour: limits.requestsPerHour,
      requests_per_day: limits.requestsPerDay,
      ai_tokens_per_day: limits.tokensPerDay,
    },
    current_usage: {
      requests_this_minute: usage.requestsThisMinute,
      requests_this_hour: usage.requestsThisHour,
      requests_today: usage.requestsToday,
      tokens_today: usage.tokensToday,
      tokens_remaining: usage.tokensRemaining,
      tokens_reserved: usage.tokensReserved,
    },
    policies: quota.policies,
  };
}

/** Options for {@link createGatewayLimiter}. */
export interface GatewayLimiterOptions {
  /** Shared Redis; in-memory counters when absent. */
  readonly redis?: Redis;
  /** Redis calls slower than this decide on the local fallback. @default 250 */
  readonly redisTimeoutMs?: number;
  /** Extra tiers by name, over the built-in presets. */
  readonly tiers?: Readonly<Record<string, TierConfig>>;
  /**
   * Anonymous clients whose counters are kept in memory; beyond it the least recently seen is
   * forgotten (it starts again with empty windows). Users with keys are never evicted.
   * @default 100000
   */
  readonly maxAnonymousClients?: number;
}

/** Prefix of anonymous user ids (`anonymous:<address or IPv6 prefix>`). */
const ANONYMOUS_PREFIX = 'anonymous:';

function identityOf(request: FastifyRequest): Identity {
  // The identity hook runs first on every rate-limited route; a route without it is a wiring bug.
  if (!request.identity) throw new TypeError(`route ${request.routeOptions.url} has no identity`);
  return request.identity;
}

function storeUnavailable(): ProblemError {
  return new ProblemError(
    problem(503, {
      code: 'rate_limit_store_unavailable',
      detail: 'The rate-limit store did not answer in time; try again shortly.',
    }),
    { 'Retry-After': '5' },
  );
}

/**
 * Builds the limiter over memory, or Redis with a local fallback while Redis is down.
 * Identified users and anonymous clients live in separate limiters (and local stores), so a
 * flood of anonymous addresses can evict only other anonymous counters, never a user's.
 */
export function createGatewayLimiter(options: GatewayLimiterOptions = {}): GatewayLimiter {
  const redisTimeoutMs = options.redisTimeoutMs ?? 250;
  const primary = options.redis
    ? createRedisStore({ client: options.redis, prefix: 'breakwater:rl' })
    : undefined;
  const fallbacks: FallbackStore[] = [];
  const tiers = {
    ...TIER_PRESETS,
    ...Object.fromEntries(
      Object.entries(options.tiers ?? {}).map(([name, limits]) => [name, tierFromLimits(limits)]),
    ),
  };
  const build = (max: number) => {
    const local = createMemoryStore({ max });
    if (!primary) return createRateLimiter({ store: local, tiers });
    const store = createFallbackStore({ primary, timeoutMs: redisTimeoutMs, fallback: local });
    fallbacks.push(store);
    return createRateLimiter({ store, tiers });
  };
  // Identified users are as many as the configured keys: their store never needs to evict.
  const users = build(100_000);
  const anonymous = build(options.maxAnonymousClients ?? 100_000);
  const limiterOf = (userId: string) => (userId.startsWith(ANONYMOUS_PREFIX) ? anonymous : users);

  const reserve = async (
    identity: Identity,
    tokens: number,
  ): Promise<HeldReservation | RefusedReservation> => {
    // No signal: a disconnect must not abandon a hold the store may already have made. The
    // request itself was already counted by the route's request windows: cost 0.
    const reservation = await limiterOf(identity.userId).reserve(identity.userId, {
      tier: identity.tier,
      estimate: tokens,
      cost: 0,
    });
    const headers = formatRateLimitHeaders(reservation.decision);
    if (!reservation.allowed) {
      return {
        ok: false,
        headers,
        problem: problem(429, { ...createQuotaExceededProblem(reservation.decision) }),
      };
    }
    return {
      ok: true,
      headers,
      async commit(usedTokens) {
        await reservation.commit(Math.max(0, Math.round(usedTokens)));
      },
      async release() {
        await reservation.release();
      },
    };
  };

  const handlers = [users, anonymous].map((limiter) =>
    createRateLimitHandler<FastifyRequest>({
      limiter,
      key: (request) => identityOf(request).userId,
      tier: (request) => identityOf(request).tier,
      legacyHeaders: true,
    }),
  );
  const [userHandler, anonymousHandler] = handlers as [(typeof handlers)[0], (typeof handlers)[0]];

  const bounded = async <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    // Admin calls wait a few Redis timeouts at most, then answer 503 instead of hanging.
    const signal = AbortSignal.timeout(redisTimeoutMs * 4);
    try {
      return await work(signal);
    } catch (error) {
      if (signal.aborted || isStoreTimeoutError(error) || isStoreNotReadyError(error)) {
        throw storeUnavailable();
      }
      throw error;
    }
  };

  return {
    backend: options.redis ? 'redis' : 'memory',
    get fallbackEngaged() {
      return fallbacks.some((store) => store.engaged);
    },
    reserve,
    concurrencyOf: (tier) => (tiers as Record<string, { concurrency?: number }>)[tier]?.concurrency,
    protect(scope) {
      scope.addHook('preHandler', async (request, reply) => {
        const handle = identityOf(request).anonymous ? anonymousHandler : userHandler;
        const outcome = await handle(request, {
          clientAddress: () => request.ip,
          path: () => request.routeOptions.url ?? '',
        });
        for (const [name, value] of Object.entries(outcome.headers)) {
          if (name.toLowerCase() !== 'content-type') reply.header(name, value);
        }
        if (outcome.action === 'respond') {
          return sendProblem(reply, outcome.body as unknown as Problem);
        }
        return undefined;
      });
    },
    check: (identity, endpoint) =>
      limiterOf(identity.userId).limit(identity.userId, { tier: identity.tier, endpoint }),
    getQuota: (userId, tier) =>
      bounded(async (signal) =>
        quotaBody(await limiterOf(userId).getQuota(userId, tier, { signal })),
      ),
    reset: (userId) => bounded((signal) => limiterOf(userId).reset(userId, { signal })),
    instrument(metrics) {
      const stops = [
        instrumentRateLimiter(metrics, users),
        instrumentRateLimiter(metrics, anonymous),
      ];
      return () => {
        for (const stop of stops) stop();
      };
    },
    async close() {
      users.close();
      anonymous.close();
    },
  };
}
