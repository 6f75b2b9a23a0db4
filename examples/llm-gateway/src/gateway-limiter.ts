import { instrumentRateLimiter, type Metrics } from '@breakwater/metrics';
import {
  createFallbackStore,
  createQuotaExceededProblem,
  createRateLimiter,
  createRedisStore,
  type FastifyRateLimitOptions,
  fastifyRateLimit,
  formatRateLimitHeaders,
  type RateLimiter,
  type RateLimitQuota,
  TIER_PRESETS,
  tierFromLimits,
} from '@breakwater/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { TierConfig } from './config.js';
import type { Identity } from './identity.js';
import { problem } from './problem.js';
import type { HeldReservation, RefusedReservation, TokenBudget } from './token-budget.js';

/** The gateway's rate limiting: request windows per route, AI-token reservations per call. */
export interface GatewayLimiter extends TokenBudget {
  readonly limiter: RateLimiter;
  readonly backend: 'memory' | 'redis';
  /** True while Redis is unreachable and decisions run on the local fallback. */
  readonly fallbackEngaged: boolean;
  /** Adds the request-window check (429 + headers) to every route of `scope`. */
  protect(scope: FastifyInstance): Promise<void>;
  /** Counts one request (a WebSocket message); the decision is a value. */
  check(
    identity: Identity,
    endpoint: string,
    signal?: AbortSignal,
  ): ReturnType<RateLimiter['limit']>;
  /** The quota as the admin API answers it (snake_case JSON). */
  getQuota(userId: string, tier: string): Promise<QuotaBody>;
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
}

function identityOf(request: FastifyRequest): Identity {
  // The identity hook runs first on every rate-limited route; a route without it is a wiring bug.
  if (!request.identity) throw new TypeError(`route ${request.routeOptions.url} has no identity`);
  return request.identity;
}

/** Builds the limiter over memory, or Redis with a local fallback while Redis is down. */
export function createGatewayLimiter(options: GatewayLimiterOptions = {}): GatewayLimiter {
  const fallback = options.redis
    ? createFallbackStore({
        primary: createRedisStore({ client: options.redis, prefix: 'breakwater:rl' }),
      })
    : undefined;
  const tiers = Object.fromEntries(
    Object.entries(options.tiers ?? {}).map(([name, limits]) => [name, tierFromLimits(limits)]),
  );
  const limiter = createRateLimiter({ store: fallback, tiers: { ...TIER_PRESETS, ...tiers } });

  const reserve = async (
    identity: Identity,
    tokens: number,
    signal?: AbortSignal,
  ): Promise<HeldReservation | RefusedReservation> => {
    // The request itself was already counted by the route's request windows: cost 0.
    const reservation = await limiter.reserve(identity.userId, {
      tier: identity.tier,
      estimate: tokens,
      cost: 0,
      signal,
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
      release() {
        reservation.release().catch(() => {
          // An unsettled hold expires on its own after the limiter's reservation TTL.
        });
      },
    };
  };

  const rateLimitOptions: FastifyRateLimitOptions = {
    limiter,
    key: (request) => identityOf(request as FastifyRequest).userId,
    tier: (request) => identityOf(request as FastifyRequest).tier,
    legacyHeaders: true,
  };

  return {
    limiter,
    backend: options.redis ? 'redis' : 'memory',
    get fallbackEngaged() {
      return fallback?.engaged ?? false;
    },
    reserve,
    async protect(scope) {
      await fastifyRateLimit(scope, rateLimitOptions);
    },
    check: (identity, endpoint, signal) =>
      limiter.limit(identity.userId, { tier: identity.tier, endpoint, signal }),
    getQuota: async (userId, tier) => quotaBody(await limiter.getQuota(userId, tier)),
    reset: (userId) => limiter.reset(userId),
    instrument: (metrics) => instrumentRateLimiter(metrics, limiter),
    async close() {
      limiter.close();
    },
  };
}
