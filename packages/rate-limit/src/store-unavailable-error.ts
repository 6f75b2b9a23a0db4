const brand = Symbol.for('breakwater.rate-limit.StoreUnavailableError');

/**
 * A store call failed: the Redis client rejected it (connection refused, cluster down, a
 * script error). The client's own error is the `cause`.
 */
export class StoreUnavailableError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_STORE_UNAVAILABLE' as const;

  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`rate-limit store call failed: ${reason}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(StoreUnavailableError.prototype, brand, { value: true });

/** Whether `value` is a {@link StoreUnavailableError}, even one from another copy of this package. */
export function isStoreUnavailableError(value: unknown): value is StoreUnavailableError {
  return typeof value === 'object' && value !== null && brand in value;
}
