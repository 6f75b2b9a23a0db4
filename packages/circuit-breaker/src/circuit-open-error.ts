import type { BreakerState } from './breaker-state.js';

const brand = Symbol.for('breakwater.circuit-breaker.CircuitOpenError');

/** What a {@link CircuitOpenError} is built from. */
export interface CircuitOpenErrorOptions {
  /** Name of the breaker that rejected the call. */
  readonly breakerName: string;
  /** State the breaker was in: `OPEN`, `HALF_OPEN` (probes busy) or `FORCED_OPEN`. */
  readonly state: BreakerState;
  /** How long to wait before calling again, in milliseconds. */
  readonly retryAfterMs: number;
}

/**
 * Thrown by `execute()` (and carried by a rejection from `tryAcquire()`) when a breaker
 * refuses a call without running it.
 */
export class CircuitOpenError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'CIRCUIT_OPEN' as const;
  /** Name of the breaker that rejected the call. */
  readonly breakerName: string;
  /** State the breaker was in when it rejected the call. */
  readonly state: BreakerState;
  /** How long to wait before calling again, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(options: CircuitOpenErrorOptions) {
    super(
      `circuit "${options.breakerName}" is ${options.state}; retry after ${options.retryAfterMs} ms`,
    );
    this.name = 'CircuitOpenError';
    this.breakerName = options.breakerName;
    this.state = options.state;
    this.retryAfterMs = options.retryAfterMs;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(CircuitOpenError.prototype, brand, { value: true });

/**
 * Builds a {@link CircuitOpenError} without capturing a stack trace: a rejection is an
 * expected outcome, and walking the stack costs far more than the rejection itself.
 * @internal
 */
export function createCircuitOpenError(options: CircuitOpenErrorOptions): CircuitOpenError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CircuitOpenError(options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether `value` is a {@link CircuitOpenError}, even one from another copy of this package. */
export function isCircuitOpenError(value: unknown): value is CircuitOpenError {
  return typeof value === 'object' && value !== null && brand in value;
}
