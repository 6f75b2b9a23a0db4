const brand = Symbol.for('breakwater.circuit-breaker.BreakerTimeoutError');

/**
 * The reason a call's signal is aborted with, and the error `execute()` rejects with,
 * when the call runs longer than its `timeoutMs`. A timeout counts as a failure.
 */
export class BreakerTimeoutError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'BREAKER_TIMEOUT' as const;
  /** Name of the breaker the call ran through. */
  readonly breakerName: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(breakerName: string, timeoutMs: number) {
    super(`call through circuit "${breakerName}" timed out after ${timeoutMs} ms`);
    this.name = 'BreakerTimeoutError';
    this.breakerName = breakerName;
    this.timeoutMs = timeoutMs;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(BreakerTimeoutError.prototype, brand, { value: true });

/** Whether `value` is a {@link BreakerTimeoutError}, even one from another copy of this package. */
export function isBreakerTimeoutError(value: unknown): value is BreakerTimeoutError {
  return typeof value === 'object' && value !== null && brand in value;
}
