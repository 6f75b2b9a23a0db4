const brand = Symbol.for('breakwater.rate-limit.InvalidUsageError');

/**
 * `commit()` was given a token count that is not a non-negative safe integer (a negative
 * number, a fraction, `NaN`, `Infinity`, `1e300`, a string…). Nothing was charged and the
 * reservation stays open: commit a valid count or release it.
 */
export class InvalidUsageError extends RangeError {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_INVALID_USAGE' as const;
  /** The value that was refused. */
  readonly value: unknown;

  constructor(name: string, value: unknown) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    super(`${name} must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${shown}`);
    this.name = 'InvalidUsageError';
    this.value = value;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(InvalidUsageError.prototype, brand, { value: true });

/** Whether `value` is an {@link InvalidUsageError}, even one from another copy of this package. */
export function isInvalidUsageError(value: unknown): value is InvalidUsageError {
  return typeof value === 'object' && value !== null && brand in value;
}
