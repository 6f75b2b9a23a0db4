import { trace } from '@opentelemetry/api';

/** `rejected` payload of a breaker registry or breaker (`@breakwater/circuit-breaker`). */
export interface TraceBreakerRejectedEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** State that refused the call (`OPEN`, `HALF_OPEN`, `FORCED_OPEN`). */
  readonly state?: string;
  /** How long until calls are admitted again, in milliseconds. */
  readonly retryAfterMs?: number;
}

/** What {@link traceBreakers} needs from a breaker registry or a breaker: its `rejected` event. */
export interface BreakerTraceSource {
  /** Subscribes to rejected calls. */
  on(event: 'rejected', listener: (event: TraceBreakerRejectedEvent) => void): unknown;
  /** Unsubscribes from rejected calls. */
  off(event: 'rejected', listener: (event: TraceBreakerRejectedEvent) => void): unknown;
}

/** `allowed` / `denied` payload of a rate limiter (`@breakwater/rate-limit`). The key is never read. */
export interface TraceRateLimitDecisionEvent {
  /** The tier, when the decision does not carry it. */
  readonly tier?: string;
  /** The decision. */
  readonly decision: {
    /** Whether the request was let through. */
    readonly allowed: boolean;
    /** The tier the decision was made under. */
    readonly tier?: string;
    /** Why (`allowed`, `limit-exceeded`, …). */
    readonly reason: string;
    /** Requests (or tokens) left in the tightest window. */
    readonly remaining?: number;
    /** How long to wait before retrying, in milliseconds, for a denial. */
    readonly retryAfterMs?: number;
    /** True when shadow mode let a denial through. */
    readonly shadow?: boolean;
  };
}

/** What {@link traceRateLimiter} needs from a rate limiter: its decision events. */
export interface RateLimiterTraceSource {
  /** Subscribes to decisions. */
  on(event: 'allowed' | 'denied', listener: (event: TraceRateLimitDecisionEvent) => void): unknown;
  /** Unsubscribes from decisions. */
  off(event: 'allowed' | 'denied', listener: (event: TraceRateLimitDecisionEvent) => void): unknown;
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Records every call a circuit breaker rejects as a `breakwater.breaker.rejected` event on the
 * span active where the call was made (an HTTP server span, a span of yours). Nothing happens
 * when no span is active or the active span is not recording. Returns a function that
 * unsubscribes.
 *
 * @example
 * import { traceBreakers } from '@breakwater/metrics/tracing';
 * const stop = traceBreakers(registry);
 */
export function traceBreakers(source: BreakerTraceSource): () => void {
  if (typeof source?.on !== 'function' || typeof source.off !== 'function') {
    throw new TypeError('source must have on() and off()');
  }
  const onRejected = (event: TraceBreakerRejectedEvent) => {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    span.addEvent('breakwater.breaker.rejected', {
      'breakwater.breaker.name': event.name,
      ...(typeof event.state === 'string' ? { 'breakwater.breaker.state': event.state } : {}),
      ...(finite(event.retryAfterMs) ? { 'breakwater.retry_after_ms': event.retryAfterMs } : {}),
    });
  };
  source.on('rejected', onRejected);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    source.off('rejected', onRejected);
  };
}

/**
 * Records every rate-limit decision as a `breakwater.rate_limit` event on the span active where
 * the request was checked, with its tier, result and reason (never its key). Nothing happens
 * when no span is active or the active span is not recording. Returns a function that
 * unsubscribes.
 *
 * @example
 * import { traceRateLimiter } from '@breakwater/metrics/tracing';
 * const stop = traceRateLimiter(limiter);
 */
export function traceRateLimiter(limiter: RateLimiterTraceSource): () => void {
  if (typeof limiter?.on !== 'function' || typeof limiter.off !== 'function') {
    throw new TypeError('limiter must have on() and off()');
  }
  const onDecision = (event: TraceRateLimitDecisionEvent) => {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    const { decision } = event;
    const result = decision.allowed
      ? decision.shadow === true
        ? 'shadow_denied'
        : 'allowed'
      : 'denied';
    span.addEvent('breakwater.rate_limit', {
      'breakwater.rate_limit.tier': decision.tier ?? event.tier ?? 'unknown',
      'breakwater.rate_limit.result': result,
      'breakwater.rate_limit.reason': decision.reason,
      ...(finite(decision.remaining)
        ? { 'breakwater.rate_limit.remaining': decision.remaining }
        : {}),
      ...(!decision.allowed && finite(decision.retryAfterMs)
        ? { 'breakwater.retry_after_ms': decision.retryAfterMs }
        : {}),
    });
  };
  limiter.on('allowed', onDecision);
  limiter.on('denied', onDecision);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    limiter.off('allowed', onDecision);
    limiter.off('denied', onDecision);
  };
}
