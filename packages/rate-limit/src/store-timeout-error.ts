const brand = Symbol.for('breakwater.rate-limit.StoreTimeoutError');

/** A store call did not settle within its timeout (the Redis store's `commandTimeoutMs`, the fallback store's `timeoutMs`). */
export class StoreTimeoutError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_STORE_TIMEOUT' as const;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`rate-limit store did not answer within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(StoreTimeoutError.prototype, brand, { value: true });

/** Whether `value` is a {@link StoreTimeoutError}, even one from another copy of this package. */
export function isStoreTimeoutError(value: unknown): value is StoreTimeoutError {
  return typeof value === 'object' && value !== null && brand in value;
}
