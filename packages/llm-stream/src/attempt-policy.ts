import { isProviderError } from './adapters/provider-error.js';
import type { ResolvedFailoverOptions } from './failover-options.js';
import { backoffDelayMs, type ResolvedRetryOptions } from './retry-options.js';
import { isStreamError, type StreamErrorCode } from './stream-error.js';
import type { GuardRejection } from './stream-guard.js';
import { describeUpstreamFailure } from './upstream-failure.js';

/** One failed attempt, described for the decision and for the events. */
export interface AttemptFailure {
  readonly code: StreamErrorCode;
  readonly message: string;
  /** Whether the same request may succeed if sent again later. */
  readonly retryable: boolean;
  /** Whether this source may be tried again (the retry policy's answer). */
  readonly retrySameSource: boolean;
  /** Whether the next source of the list may take over (the failover policy's answer). */
  readonly failover: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly cause: unknown;
}

/** What happens after a failed attempt. */
export type NextStep =
  | { readonly next: 'retry'; readonly delayMs: number }
  | { readonly next: 'failover' }
  | { readonly next: 'none'; readonly retryAfterMs: number | undefined };

// Statuses that say the request itself is wrong: another attempt or model would refuse it too.
const refusedRequestCodes = new Set([
  'invalid_request',
  'authentication',
  'permission_denied',
  'not_found',
  'content_filter',
]);

function isRefusedRequest(error: unknown, status: number | undefined, retryable: boolean): boolean {
  if (isProviderError(error)) return refusedRequestCodes.has(error.code);
  return !retryable && status !== undefined && status >= 400 && status < 500 && status !== 429;
}

/** Describes an upstream error (from `open()` or the iterator before the first token). */
export function describeAttemptFailure(
  error: unknown,
  retry: ResolvedRetryOptions,
  failover: ResolvedFailoverOptions,
  now: number,
): AttemptFailure {
  if (isStreamError(error)) {
    // The stream's own first-token timeout: the source hangs, so the next one takes over at once.
    return {
      code: error.code,
      message: error.message,
      retryable: true,
      retrySameSource: false,
      failover: true,
      status: undefined,
      retryAfterMs: undefined,
      cause: error,
    };
  }
  const failure = describeUpstreamFailure(error, now);
  const refused = isRefusedRequest(error, failure.status, failure.retryable);
  return {
    code: failure.rateLimited ? 'RATE_LIMITED' : refused ? 'INVALID_REQUEST' : 'UPSTREAM_ERROR',
    message: failure.message,
    retryable: failure.retryable,
    retrySameSource: retry.isRetryable === undefined ? failure.retryable : retry.isRetryable(error),
    failover: failover.shouldFailover(error),
    status: failure.status,
    retryAfterMs: failure.retryAfterMs,
    cause: error,
  };
}

/** Describes a permit the source's guard refused (an open circuit). */
export function describeRejection(
  rejection: GuardRejection,
  provider: string,
  model: string,
): AttemptFailure {
  return {
    code: 'CIRCUIT_OPEN',
    message: `${provider}/${model} is guarded by an open circuit: ${rejection.error.message}`,
    retryable: true,
    retrySameSource: false,
    failover: true,
    status: undefined,
    retryAfterMs: rejection.retryAfterMs,
    cause: rejection.error,
  };
}

/** Everything {@link decideNextStep} weighs besides the failure itself. */
export interface DecisionContext {
  readonly retry: ResolvedRetryOptions;
  /** Retries already made on this source. */
  readonly retriesOnSource: number;
  readonly hasNextSource: boolean;
  /**
   * How long the source's guard would refuse a permit from now: 0 when it would grant one,
   * Infinity when it refuses for an unknown time.
   */
  readonly guardRefusesForMs: number;
  /** Milliseconds left before the stream's deadline (Infinity without one). */
  readonly deadlineInMs: number;
  readonly random: () => number;
}

/**
 * The one rule for retry, breaker and failover before the first token:
 * 1. A failure the retry policy calls retryable is retried on the same source while retries
 *    remain, after the backoff delay (never shorter than the provider's Retry-After), when that
 *    delay is at most `retry.maxRetryAfterMs`, ends before the deadline, and the source's breaker
 *    will admit the retry by then (a breaker that a 429 opened for its Retry-After does).
 * 2. Otherwise a failure the failover policy accepts (provider failures, a refused permit, a
 *    first-token timeout) moves to the next source at once.
 * 3. Otherwise the stream ends with this failure. A refused request (400, 401, 403, 404, 422,
 *    content policy) is neither retried nor failed over: another model would refuse it too.
 */
export function decideNextStep(failure: AttemptFailure, context: DecisionContext): NextStep {
  if (failure.retrySameSource && context.retriesOnSource < context.retry.maxRetries) {
    const delayMs = backoffDelayMs(
      context.retry,
      context.retriesOnSource,
      failure.retryAfterMs,
      context.random,
    );
    const withinLimit =
      failure.retryAfterMs === undefined || failure.retryAfterMs <= context.retry.maxRetryAfterMs;
    if (
      withinLimit &&
      delayMs < context.deadlineInMs &&
      context.guardRefusesForMs <= Math.max(delayMs, failure.retryAfterMs ?? 0)
    ) {
      return { next: 'retry', delayMs: Math.max(delayMs, context.guardRefusesForMs) };
    }
  }
  if (failure.failover && context.hasNextSource) return { next: 'failover' };
  const guardWait =
    context.guardRefusesForMs > 0 && Number.isFinite(context.guardRefusesForMs)
      ? context.guardRefusesForMs
      : undefined;
  return { next: 'none', retryAfterMs: maxDefined(failure.retryAfterMs, guardWait) };
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
