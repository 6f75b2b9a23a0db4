import type { BreakerState } from './breaker-state.js';

/** Call totals since the breaker was created. */
export interface BreakerMetrics {
  /** Every call that reached the breaker, rejected ones included. */
  readonly total_calls: number;
  /** Calls that counted as successes. */
  readonly total_successes: number;
  /** Calls that counted as failures. */
  readonly total_failures: number;
  /** Calls refused without running. */
  readonly total_rejections: number;
  /** successes / (successes + failures); 1 before any outcome. */
  readonly success_rate: number;
}

/** A point-in-time view of a breaker, shaped for JSON APIs such as `/api/circuit-breakers`. */
export interface BreakerSnapshot {
  /** Name of the breaker. */
  readonly name: string;
  /** The current state. */
  readonly state: BreakerState;
  /** Failures in the current window (reset when the circuit closes or half-opens). */
  readonly failure_count: number;
  /** Successes in the current window (reset when the circuit closes or half-opens). */
  readonly success_count: number;
  /** Consecutive failures counted towards `failureThreshold`. */
  readonly consecutive_failures: number;
  /** Slow calls in the current window. */
  readonly slow_call_count: number;
  /** When the circuit last opened, in epoch milliseconds; `null` unless open or half-open. */
  readonly opened_at: number | null;
  /** How long until calls are admitted again, in milliseconds; 0 when they are. */
  readonly retry_after_ms: number;
  /** Call totals since the breaker was created. */
  readonly metrics: BreakerMetrics;
}
