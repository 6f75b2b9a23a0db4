import { isProviderFailure } from './upstream-failure.js';

/** When a stream moves to the next source of its list before the first token. */
export interface FailoverOptions {
  /**
   * Whether an upstream error (once retries of the source are spent or do not apply) moves the
   * stream to the next source; false ends the stream with that error. A source refused by its
   * guard (an open circuit) is always skipped: it was never tried.
   * @default isProviderFailure (retryable errors, 5xx, 429, overloaded, timeouts, connection failures; not 400/401/403/404, content policy or context length)
   */
  readonly shouldFailover?: (error: unknown) => boolean;
}

/** {@link FailoverOptions} with every default applied. */
export interface ResolvedFailoverOptions {
  readonly shouldFailover: (error: unknown) => boolean;
}

const defaultFailover: ResolvedFailoverOptions = Object.freeze({
  shouldFailover: isProviderFailure,
});

/** Validates failover options and fills in defaults. */
export function resolveFailoverOptions(
  options: FailoverOptions | undefined,
): ResolvedFailoverOptions {
  if (options === undefined || options.shouldFailover === undefined) return defaultFailover;
  if (typeof options.shouldFailover !== 'function') {
    throw new TypeError(
      `failover.shouldFailover must be a function, got ${typeof options.shouldFailover}`,
    );
  }
  return { shouldFailover: options.shouldFailover };
}
