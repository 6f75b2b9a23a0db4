import { type Metrics, metricsInternals } from './metrics.js';

/** The decision fields {@link instrumentRateLimiter} reads (a `RateLimitDecision` fits). */
export interface RateLimitDecisionLike {
  /** Whether the request was let through. */
  readonly allowed: boolean;
  /** The tier the decision was made under (`FREE`, `PRO`, …). */
  readonly tier: string;
  /** `allowed`, `limit-exceeded`, `token-budget-exceeded`, `cached-block`, `store-unavailable`. */
  readonly reason: string;
  /** True when shadow mode let a denial through. */
  readonly shadow?: boolean;
}

/** `allowed` / `denied` payload of a rate limiter. The key is deliberately never read. */
export interface MetricsRateLimitDecisionEvent {
  /** The tier, when the decision does not carry it. */
  readonly tier?: string;
  /** The decision. */
  readonly decision: RateLimitDecisionLike;
}

/** `near-limit` payload of a rate limiter. */
export interface MetricsRateLimitNearLimitEvent {
  /** The tier, when the decision does not carry it. */
  readonly tier?: string;
  /** The decision that left the key near its limit. */
  readonly decision?: RateLimitDecisionLike;
}

/**
 * What {@link instrumentRateLimiter} needs from a rate limiter: its events.
 * `createRateLimiter()` of `@breakwater/rate-limit` fits.
 */
export interface RateLimiterSource {
  /** Subscribes to decisions. */
  on(
    event: 'allowed' | 'denied',
    listener: (event: MetricsRateLimitDecisionEvent) => void,
  ): unknown;
  /** Subscribes to near-limit decisions. */
  on(event: 'near-limit', listener: (event: MetricsRateLimitNearLimitEvent) => void): unknown;
  /** Subscribes to the fallback store engaging or recovering. */
  on(event: 'fallback-engaged' | 'fallback-recovered', listener: () => void): unknown;
  /** Unsubscribes from decisions. */
  off(
    event: 'allowed' | 'denied',
    listener: (event: MetricsRateLimitDecisionEvent) => void,
  ): unknown;
  /** Unsubscribes from near-limit decisions. */
  off(event: 'near-limit', listener: (event: MetricsRateLimitNearLimitEvent) => void): unknown;
  /** Unsubscribes from the fallback events. */
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
export function instrumentRateLimiter(metrics: Metrics, limiter: RateLimiterSource): () => void {
  const internals = metricsInternals(metrics);
  if (typeof limiter?.on !== 'function' || typeof limiter.off !== 'function') {
    throw new TypeError('limiter must have on() and off()');
  }
  const onDecision = (event: MetricsRateLimitDecisionEvent) => {
    const { decision } = event;
    metrics.recordRateLimitDecision({
      tier: decision.tier ?? event.tier ?? 'unknown',
      allowed: decision.allowed,
      reason: decision.reason,
      shadow: decision.shadow === true,
    });
  };
  const onNearLimit = (event: MetricsRateLimitNearLimitEvent) =>
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
