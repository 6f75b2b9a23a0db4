import {
  isProviderError,
  type ProviderErrorCode,
  RETRYABLE_CODES,
  toProviderError,
} from './adapters/provider-error.js';
import { parseRetryAfterMs } from './retry-after.js';

/** What the stream needs to know about an error thrown by a provider SDK or adapter. */
export interface UpstreamFailure {
  /** HTTP status from `status` or `statusCode`, when the error has one. */
  readonly status: number | undefined;
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean;
  /** A 429, or an error whose `code` says rate limited (a rate-limit event inside a 200 stream). */
  readonly rateLimited: boolean;
  /** From `retryAfterMs`, or the `retry-after-ms` / `retry-after` header; undefined when absent. */
  readonly retryAfterMs: number | undefined;
  readonly message: string;
}

const retryableStatuses = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

/**
 * Reads an upstream error structurally, the way the official SDK errors are shaped
 * (`status`, `headers` as a `Headers` or a plain record). Retryable when the error says so in a
 * boolean `retryable` (the adapters' `ProviderError` does); otherwise when the status is
 * 408/409/425/429/5xx/529; an error without a status only when it is a connection failure or a
 * timeout, or says it is rate limited (a bug in the caller's code is not worth sending again).
 */
export function describeUpstreamFailure(error: unknown, now: number = Date.now()): UpstreamFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const status = numberOrUndefined(record.status) ?? numberOrUndefined(record.statusCode);
  const code = typeof record.code === 'string' ? record.code.toLowerCase() : '';
  const rateLimited = status === 429 || code === 'rate_limited' || code === 'rate_limit_exceeded';
  const retryable =
    typeof record.retryable === 'boolean'
      ? record.retryable
      : status === undefined
        ? rateLimited || isConnectionOrTimeout(error)
        : retryableStatuses.has(status) || (status >= 500 && status < 600);
  const message =
    error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return {
    status,
    retryable,
    rateLimited,
    retryAfterMs: readRetryAfterMs(record, now),
    message,
  };
}

// Every retryable failure, and an exhausted quota too: another provider has its own.
const failoverCodes = new Set<ProviderErrorCode>([...RETRYABLE_CODES, 'quota_exceeded']);

/**
 * Whether an error before the first token is the provider's failure, which another provider or
 * model may not share: a retryable error, a 5xx, a 429 (quota exhausted included), an overload,
 * a timeout, a dropped connection, or a `CIRCUIT_OPEN` rejection. A request the provider
 * refused (400 invalid request, 401/403, 404, content policy, context length) is not: another
 * model would most likely refuse it too, and failing over would hide the bug. The default of
 * `failover.shouldFailover`.
 */
export function isProviderFailure(error: unknown): boolean {
  if (isProviderError(error)) {
    const status = error.status;
    return (
      error.retryable ||
      failoverCodes.has(error.code) ||
      (status !== undefined && (status === 429 || status >= 500))
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'CIRCUIT_OPEN') return true;
  const failure = describeUpstreamFailure(error);
  if (failure.retryable || failure.rateLimited) return true;
  return failure.status !== undefined && failure.status >= 500;
}

function isConnectionOrTimeout(error: unknown): boolean {
  const code = toProviderError(error).code;
  return code === 'connection' || code === 'timeout';
}

function readRetryAfterMs(record: Record<string, unknown>, now: number): number | undefined {
  const direct = numberOrUndefined(record.retryAfterMs);
  if (direct !== undefined) return Math.max(0, direct);
  return parseRetryAfterMs(record.headers, now);
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
