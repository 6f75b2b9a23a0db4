/** How a stream retries one source before its first token. */
export interface RetryOptions {
  /** Retries per source after the first attempt; 0 turns retries off (failover still applies). @default 2 */
  readonly maxRetries?: number;
  /** Ceiling of the first backoff; the ceiling doubles on every retry. @default 250 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling. @default 8000 */
  readonly maxDelayMs?: number;
  /**
   * A `Retry-After` longer than this is not waited for: the stream fails over to the next source
   * (or ends with the error when there is none). @default 60000
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Overrides which errors are retried on the same source.
   * @default a `ProviderError`'s `retryable`; else status 408/409/425/429/5xx; without a status, only connection failures, timeouts and rate limits
   */
  readonly isRetryable?: (error: unknown) => boolean;
}

/** {@link RetryOptions} with every default applied. */
export interface ResolvedRetryOptions {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly isRetryable: ((error: unknown) => boolean) | undefined;
}

/** Validates retry options and fills in defaults; `false` means no retries. */
export function resolveRetryOptions(
  options: RetryOptions | false | undefined,
): ResolvedRetryOptions {
  if (options === false) {
    return {
      maxRetries: 0,
      baseDelayMs: 0,
      maxDelayMs: 0,
      maxRetryAfterMs: 0,
      isRetryable: undefined,
    };
  }
  const resolved = {
    maxRetries: options?.maxRetries ?? 2,
    baseDelayMs: options?.baseDelayMs ?? 250,
    maxDelayMs: options?.maxDelayMs ?? 8000,
    maxRetryAfterMs: options?.maxRetryAfterMs ?? 60_000,
    isRetryable: options?.isRetryable,
  };
  if (!Number.isInteger(resolved.maxRetries) || resolved.maxRetries < 0) {
    throw new RangeError(`retry.maxRetries must be an integer ≥ 0, got ${resolved.maxRetries}`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    const value = resolved[name];
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`retry.${name} must be a finite number ≥ 0, got ${value}`);
    }
  }
  if (resolved.isRetryable !== undefined && typeof resolved.isRetryable !== 'function') {
    throw new TypeError('retry.isRetryable must be a function');
  }
  return resolved;
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(maxDelayMs, baseDelayMs·2^retry)),
 * never shorter than the provider's `Retry-After`.
 */
export function backoffDelayMs(
  options: ResolvedRetryOptions,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
