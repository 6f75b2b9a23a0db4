import { type Metrics, metricsInternals } from './create-metrics.js';

/** The decision fields {@link instrumentRateLimiter} reads (a `RateLimitDecision` fits). */
export interface RateLimitDecisionLike {
  readonly allowed: boolean;
  readonly tier: string;
  /** `allowed`, `limit-exceeded`, `token-budget-exceeded`, `cached-block`, `store-unavailable`. */
  readonly reason: string;
  /** True when shadow mode let a denial through. */
  readonly shadow?: boolean;
}

/** `allowed` / `denied` payload of a rate limiter. The key is deliberately never read. */
export interface RateLimitDecisionEvent {
  readonly tier?: string;
  readonly decision: RateLimitDecisionLike;
}

/** `near-limit` payload of a rate limiter. */
export interface RateLimitNearLimitEvent {
  readonly tier?: string;
  readonly decision?: RateLimitDecisionLike;
}

/**
 * What {@link instrumentRateLimiter} needs from a rate limiter: its events.
 * `createRateLimiter()` of `@breakwater/rate-limit` fits.
 */
export interface RateLimiterLike {
  on(event: 'allowed' | 'denied', listener: (event: RateLimitDecisionEvent) => void): unknown;
  on(event: 'near-limit', listener: (event: RateLimitNearLimitEvent) => void): unknown;
  on(event: 'fallback-engaged' | 'fallback-recovered', listener: () => void): unknown;
  off(event: 'allowed' | 'denied', listener: (event: RateLimitDecisionEvent) => void): unknown;
  off(event: 'near-limit', listener: (event: RateLimitNearLimitEvent) => void): unknown;
  off(event: 'fallback-engaged' | 'fallback-recovered', listener: () => void): unknown;
}

/**
 * Binds a rate limiter to the metric set: decisions by tier, result and reason, near-limit
 * decisions, and whether the limiter runs on its fallback store. The rate-limit key (a user
 * id or API key) is never used as a label. Returns a function that unsubscribes.
 *
 * @example
 * const stop = instrumentRateLimiter(metrics, limiter);
 */
export function instrumentRateLimiter(metrics: Metrics, limiter: RateLimiterLike): () => void {
  const internals = metricsInternals(metrics);
  if (typeof limiter?.on !== 'function' || typeof limiter.off !== 'function') {
    throw new TypeError('limiter must have on() and off()');
  }
  const onDecision = (event: RateLimitDecisionEvent) => {
    const { decision } = event;
    metrics.recordRateLimitDecision({
      tier: decision.tier ?? event.tier ?? 'unknown',
      allowed: decision.allowed,
      reason: decision.reason,
      shadow: decision.shadow === true,
    });
  };
  const onNearLimit = (event: RateLimitNearLimitEvent) =>
    internals.countNearLimit(event.decision?.tier ?? event.tier ?? 'unknown');
  const onFallbackEngaged = () => internals.setFallbackEngaged(limiter, true);
  const onFallbackRecovered = () => internals.setFallbackEngaged(limiter, false);

  limiter.on('allowed', onDecision);
  limiter.on('denied', onDecision);
  limiter.on('near-limit', onNearLimit);
  limiter.on('fallback-engaged', onFallbackEngaged);
  limiter.on('fallback-recovered', onFallbackRecovered);

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    limiter.off('allowed', onDecision);
    limiter.off('denied', onDecision);
    limiter.off('near-limit', onNearLimit);
    limiter.off('fallback-engaged', onFallbackEngaged);
    limiter.off('fallback-recovered', onFallbackRecovered);
    internals.setFallbackEngaged(limiter, false);
  };
}
