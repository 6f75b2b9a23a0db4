const brand = Symbol.for('breakwater.rate-limit.LeaseLostError');

/**
 * The reason a lease's `signal` aborts with: a renewal found the lease already expired (the
 * holder could not renew it for longer than `leaseMs`), so its slot may be someone else's now.
 */
export class LeaseLostError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'CONCURRENCY_LEASE_LOST' as const;
  /** The key the lease was for. */
  readonly key: string;

  constructor(key: string) {
    super(`the concurrency lease for ${JSON.stringify(key)} expired before it was renewed`);
    this.name = 'LeaseLostError';
    this.key = key;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(LeaseLostError.prototype, brand, { value: true });

/** Whether `value` is a {@link LeaseLostError}, even one from another copy of this package. */
export function isLeaseLostError(value: unknown): value is LeaseLostError {
  return typeof value === 'object' && value !== null && brand in value;
}
