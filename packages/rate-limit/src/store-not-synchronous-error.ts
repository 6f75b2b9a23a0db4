const brand = Symbol.for('breakwater.rate-limit.StoreNotSynchronousError');

/**
 * Thrown by `limitSync()` when the limiter's store may answer asynchronously (Redis, a fallback
 * store): nothing was decided or consumed; call `limit()` instead.
 */
export class StoreNotSynchronousError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_STORE_NOT_SYNCHRONOUS' as const;

  constructor() {
    super(
      'limitSync() needs a store that answers synchronously (createMemoryStore); this store may answer later: use limit()',
    );
    this.name = 'StoreNotSynchronousError';
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(StoreNotSynchronousError.prototype, brand, { value: true });

/** Whether `value` is a {@link StoreNotSynchronousError}, even one from another copy of this package. */
export function isStoreNotSynchronousError(value: unknown): value is StoreNotSynchronousError {
  return typeof value === 'object' && value !== null && brand in value;
}
