import type { BreakerState } from './breaker-state.js';

/** Call totals since the breaker was created. */
export interface BreakerMetrics {
  /** Every call that reached the breaker, rejected ones included. */
  readonly totalCalls: number;
  /** Calls that counted as successes. */
  readonly totalSuccesses: number;
  /** Calls that counted as failures. */
  readonly totalFailures: number;
  /** Calls refused without running. */
  readonly totalRejections: number;
  /** successes / (successes + failures); 1 before any outcome. */
  readonly successRate: number;
}

/**
 * A point-in-time view of a breaker, for dashboards and logs. Map it to your own wire
 * format at the edge (the example gateway serves it as snake_case JSON).
 */
export interface BreakerSnapshot {
  /** Name of the breaker. */
  readonly name: string;
  /** The current state. */
  readonly state: BreakerState;
  /** Failures in the current window (reset when the circuit closes or half-opens). */
  readonly failureCount: number;
  /** Successes in the current window (reset when the circuit closes or half-opens). */
  readonly successCount: number;
  /** Consecutive failures counted towards `failureThreshold`. */
  readonly consecutiveFailures: number;
  /** Slow calls in the current window. */
  readonly slowCallCount: number;
  /** When the circuit last opened, in epoch milliseconds; `null` unless open or half-open. */
  readonly openedAt: number | null;
  /** How long until calls are admitted again, in milliseconds; 0 when they are. */
  readonly retryAfterMs: number;
  /** Call totals since the breaker was created. */
  readonly metrics: BreakerMetrics;
}
