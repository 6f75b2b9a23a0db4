import { QUOTA_EXCEEDED_TYPE, type RateLimitProblem } from '../middleware/problem-details.js';
import { serializeInteger, serializeString } from '../middleware/structured-field.js';
import type { ConcurrencyDecision, ConcurrencyRejection } from './concurrency-decision.js';
import type { ConcurrencyLease } from './concurrency-lease.js';

/** The part of a `ConcurrencyLimiter` the HTTP middleware uses. */
export interface ConcurrencyLimiterLike {
  acquire(
    key: string,
    options: { readonly limit: number; readonly maxWaitMs: number; readonly signal?: AbortSignal },
  ): Promise<ConcurrencyDecision>;
}

/** The middleware's `concurrency` option. */
export interface HttpConcurrencyOptions {
  /** Usually from `createConcurrencyLimiter`; a `maxQueue` above 0 is needed to wait. */
  readonly limiter: ConcurrencyLimiterLike;
  /**
   * How long a request waits for a slot of its key before it is answered 429; 0 answers at once.
   * @default 0
   */
  readonly maxWaitMs?: number;
}

/** Name of the concurrency policy in `RateLimit-Policy`, `RateLimit` and problem bodies. */
export const CONCURRENCY_POLICY = 'concurrency';

/** Seconds a client is told to wait when every slot is taken: a slot frees when a request ends. */
const RETRY_AFTER_SECONDS = 1;

/** A `RateLimit-Policy` item: `"concurrency";q=2;qu="concurrent-requests"` (a registered unit). */
export function concurrencyPolicyItem(limit: number): string {
  return `${serializeString(CONCURRENCY_POLICY)};q=${serializeInteger(limit)};qu="concurrent-requests"`;
}

/** A `RateLimit` item: `"concurrency";r=1` (no `t`: a slot frees when a request ends, not at a time). */
export function concurrencyLimitItem(remaining: number): string {
  return `${serializeString(CONCURRENCY_POLICY)};r=${serializeInteger(Math.max(0, remaining))}`;
}

/** Appends an item to a list-valued header (or starts it). */
function appendItem(headers: Record<string, string>, name: string, item: string): void {
  const current = headers[name];
  headers[name] = current === undefined || current === '' ? item : `${current}, ${item}`;
}

/** Adds the concurrency policy to a response's rate-limit headers. */
export function addConcurrencyHeaders(
  headers: Record<string, string>,
  limit: number,
  inFlight: number,
): void {
  appendItem(headers, 'RateLimit-Policy', concurrencyPolicyItem(limit));
  appendItem(headers, 'RateLimit', concurrencyLimitItem(limit - inFlight));
}

/** The 429 `quota-exceeded` problem for a request refused a concurrency slot. */
export function createConcurrencyExceededProblem(
  rejection: ConcurrencyRejection,
  tier: string | undefined,
): RateLimitProblem {
  const waited = rejection.reason === 'timeout' ? ` after waiting ${rejection.waitedMs} ms` : '';
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail: `All ${rejection.limit} concurrent requests allowed are in flight${waited}; retry when one ends.`,
    'violated-policies': [CONCURRENCY_POLICY],
    retry_after_ms: RETRY_AFTER_SECONDS * 1_000,
    ...(tier === undefined ? {} : { tier }),
    policy: CONCURRENCY_POLICY,
  };
}

/** What {@link acquireRequestSlot} found. */
export type RequestSlot =
  | { readonly kind: 'granted'; readonly lease: ConcurrencyLease; readonly inFlight: number }
  | { readonly kind: 'refused'; readonly rejection: ConcurrencyRejection }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * Asks for a slot for one HTTP request. A limiter that rejects (a closed-failing store, an
 * aborted signal, a broken contract) is a `failed` slot, for the middleware's failure path.
 */
export async function acquireRequestSlot(
  options: HttpConcurrencyOptions,
  key: string,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<RequestSlot> {
  try {
    const decision = await options.limiter.acquire(key, {
      limit,
      maxWaitMs: options.maxWaitMs ?? 0,
      ...(signal === undefined ? {} : { signal }),
    });
    if (decision.acquired)
      return { kind: 'granted', lease: decision.lease, inFlight: decision.inFlight };
    return { kind: 'refused', rejection: decision };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** `Retry-After` for a refused slot. */
export function concurrencyRetryAfter(): string {
  return String(RETRY_AFTER_SECONDS);
}

/** The part of a node:http `ServerResponse` the adapters watch. */
export interface ClosableResponse {
  once(event: 'close', listener: () => void): unknown;
  /** True once the connection is gone (or the response closed). */
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
}

/** Calls `release` once the response is over: finished and flushed, or its client gone. */
export function releaseWhenClosed(response: ClosableResponse, release: () => Promise<void>): void {
  // The client may have left while the limiters decided: 'close' has then fired already.
  if (response.destroyed) void release();
  else response.once('close', () => void release());
}

/** Aborts when the client goes away before the response finished. */
export function closeSignal(response: ClosableResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error('the client closed the connection'));
  if (response.destroyed) abort();
  else response.once('close', () => response.writableFinished || abort());
  return controller.signal;
}
