const brand = Symbol.for('breakwater.rate-limit.StoreNotReadyError');

/** Why a fallback store skipped its primary: the primary's connection was not ready. */
export class StoreNotReadyError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_STORE_NOT_READY' as const;

  constructor() {
    super('rate-limit store connection is not ready');
    this.name = 'StoreNotReadyError';
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(StoreNotReadyError.prototype, brand, { value: true });

/** Whether `value` is a {@link StoreNotReadyError}, even one from another copy of this package. */
export function isStoreNotReadyError(value: unknown): value is StoreNotReadyError {
  return typeof value === 'object' && value !== null && brand in value;
}
