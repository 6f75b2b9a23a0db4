import type { RateLimitDecision } from '../rate-limit-decision.js';

/** Per-call options the middleware passes to {@link RateLimiterLike.limit}. */
export interface LimitCallOptions {
  /**
   * Tier to decide for.
   * @default the limiter's default tier
   */
  readonly tier?: string | undefined;
  /**
   * Units this request costs in every request window.
   * @default the limiter's default (1)
   */
  readonly cost?: number | undefined;
  /** The route the request is for (the limiter may apply its own endpoint multipliers). */
  readonly endpoint?: string | undefined;
}

/**
 * The one member of a rate limiter the HTTP middleware needs. The limiter from
 * `createRateLimiter` fits; so does any object with a compatible `limit`.
 */
export interface RateLimiterLike {
  limit(key: string, options?: LimitCallOptions): Promise<RateLimitDecision>;
}
