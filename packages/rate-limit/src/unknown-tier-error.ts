const brand = Symbol.for('breakwater.rate-limit.UnknownTierError');

/** Thrown (as a rejection) when a call names a tier the limiter was not configured with. */
export class UnknownTierError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_UNKNOWN_TIER' as const;
  /** The tier that was asked for. */
  readonly tier: string;

  constructor(tier: string, known: readonly string[]) {
    super(`unknown tier "${tier}"; configured tiers: ${known.join(', ')}`);
    this.name = 'UnknownTierError';
    this.tier = tier;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(UnknownTierError.prototype, brand, { value: true });

/** Whether `value` is an {@link UnknownTierError}, even one from another copy of this package. */
export function isUnknownTierError(value: unknown): value is UnknownTierError {
  return typeof value === 'object' && value !== null && brand in value;
}
