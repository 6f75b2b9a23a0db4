/** Argument checks shared by the recorders of {@link createMetrics}: precise TypeErrors and RangeErrors. */

/** Bucket boundaries: a non-empty, strictly increasing array of finite numbers. */
export function checkBuckets(key: string, buckets: readonly number[]): readonly number[] {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new TypeError(`buckets.${key} must be a non-empty array of numbers`);
  }
  let previous = -Infinity;
  for (const bound of buckets) {
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new RangeError(`buckets.${key} must hold finite numbers, got ${String(bound)}`);
    }
    if (bound <= previous) {
      throw new RangeError(
        `buckets.${key} must be strictly increasing, got ${bound} after ${previous}`,
      );
    }
    previous = bound;
  }
  return buckets;
}

/** A duration in milliseconds: finite and ≥ 0; returns it. */
export function checkMs(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** A label source that must be a string (it is bounded by a label guard afterwards). */
export function checkText(name: string, value: string): void {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${typeof value}`);
  }
}

/** A token count: finite and ≥ 0. */
export function checkTokens(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
}
