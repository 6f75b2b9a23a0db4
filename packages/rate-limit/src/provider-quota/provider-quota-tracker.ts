import { geminiRetryInfo } from './gemini-retry-info.js';
import {
  type HeadersLike,
  observedBuckets,
  type QuotaBucketName,
  retryAfterMs,
} from './provider-headers.js';
import { availableAt, observe, type QuotaBucket, take, waitFor } from './quota-bucket.js';

/** Options for {@link createProviderQuotaTracker}. */
export interface ProviderQuotaTrackerOptions {
  /** Clock in epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
  /**
   * Most provider/model keys remembered; the least recently updated one is forgotten beyond
   * it (a forgotten key admits everything until its next response).
   * @default 1_000
   */
  readonly maxKeys?: number;
}

/** What one provider response said; pass whatever you have. */
export interface ProviderResponseInfo {
  /** The response headers (`Headers`, or a plain record such as Node's `IncomingHttpHeaders`). */
  readonly headers?: HeadersLike;
  /** The error body, parsed or as text: Gemini puts its retry delay there (`RetryInfo`). */
  readonly body?: unknown;
}

/** Why a request should not go now. */
export type ProviderQuotaLimit =
  | QuotaBucketName
  /** The provider said when to come back (`retry-after`, Gemini `RetryInfo`). */
  | 'retry-after'
  /** Gemini reported a per-day quota: fail over rather than wait. */
  | 'daily-quota';

/** The answer of {@link ProviderQuotaTracker.admit}. */
export type ProviderQuotaDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** When the provider should have room again. */
      readonly retryAfterMs: number;
      readonly limitedBy: ProviderQuotaLimit;
    };

/** What is known of one key's quota. */
export interface ProviderQuotaSnapshot {
  /** Per bucket: units available now, and when it is full again. */
  readonly buckets: ReadonlyArray<{
    readonly name: QuotaBucketName;
    readonly limit: number | undefined;
    readonly remaining: number;
    readonly resetAt: number;
  }>;
  /** Epoch ms before which the provider asked not to be called (0 when it did not). */
  readonly blockedUntil: number;
}

/** Tracks provider quotas per provider/model key from the headers of their responses. */
export interface ProviderQuotaTracker {
  /** Learns from a response (any status) of the provider behind `key`. */
  update(key: string, response: ProviderResponseInfo): void;
  /**
   * Whether a request of about `tokens` tokens fits the quota known for `key` now. An allowed
   * request is counted against the known quota at once, so concurrent requests see each other
   * before the provider's next response arrives. A key never updated allows everything.
   */
  admit(key: string, request?: { readonly tokens?: number }): ProviderQuotaDecision;
  /** What is known for `key`, or `undefined`. */
  snapshot(key: string): ProviderQuotaSnapshot | undefined;
}

interface KeyState {
  buckets: Map<QuotaBucketName, QuotaBucket>;
  blockedUntil: number;
  dailyQuota: boolean;
}

/** Units of each bucket one request takes. */
function unitsOf(name: QuotaBucketName, tokens: number): number {
  if (name === 'requests') return 1;
  // Output tokens are charged as they are generated; a request only needs some left.
  if (name === 'output-tokens') return 1;
  return tokens;
}

/**
 * Creates a tracker that lets requests wait or fail over before a provider would answer 429:
 * feed it every response of a provider/model (`update`), and ask it before each request
 * (`admit`). It reads OpenAI's `x-ratelimit-*`, Anthropic's `anthropic-ratelimit-*`,
 * `retry-after` / `retry-after-ms`, and Gemini's `RetryInfo` / `QuotaFailure` error details.
 */
export function createProviderQuotaTracker(
  options: ProviderQuotaTrackerOptions = {},
): ProviderQuotaTracker {
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function');
  const maxKeys = options.maxKeys ?? 1_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
    throw new RangeError(`maxKeys must be an integer ≥ 1, got ${maxKeys}`);
  // A Map keeps insertion order: re-inserting on update makes the first key the stalest.
  const states = new Map<string, KeyState>();

  function checkKey(key: string): void {
    if (typeof key !== 'string' || key === '')
      throw new TypeError(`key must be a non-empty string, got ${String(key)}`);
  }

  return {
    update(key, response) {
      checkKey(key);
      if (typeof response !== 'object' || response === null)
        throw new TypeError('response must be an object with headers and/or body');
      const now = clock();
      const state = states.get(key) ?? { buckets: new Map(), blockedUntil: 0, dailyQuota: false };
      states.delete(key);
      states.set(key, state);
      if (states.size > maxKeys) states.delete(states.keys().next().value as string);

      const { headers, body } = response;
      if (headers !== undefined) {
        for (const seen of observedBuckets(headers, now))
          state.buckets.set(seen.name, observe(state.buckets.get(seen.name), seen, now));
        const wait = retryAfterMs(headers, now);
        if (wait !== undefined) state.blockedUntil = Math.max(state.blockedUntil, now + wait);
      }
      if (body !== undefined) {
        const gemini = geminiRetryInfo(body);
        if (gemini.retryAfterMs !== undefined) {
          state.blockedUntil = Math.max(state.blockedUntil, now + gemini.retryAfterMs);
          state.dailyQuota = gemini.perDay;
        }
      }
    },

    admit(key, request = {}) {
      checkKey(key);
      const tokens = request.tokens ?? 0;
      if (!Number.isFinite(tokens) || tokens < 0)
        throw new RangeError(`tokens must be a finite number ≥ 0, got ${tokens}`);
      const state = states.get(key);
      if (state === undefined) return { allowed: true };
      const now = clock();
      if (now < state.blockedUntil)
        return {
          allowed: false,
          retryAfterMs: state.blockedUntil - now,
          limitedBy: state.dailyQuota ? 'daily-quota' : 'retry-after',
        };
      let denial: { retryAfterMs: number; limitedBy: QuotaBucketName } | undefined;
      for (const bucket of state.buckets.values()) {
        const wait = waitFor(bucket, unitsOf(bucket.name, tokens), now);
        if (wait > (denial?.retryAfterMs ?? 0))
          denial = { retryAfterMs: wait, limitedBy: bucket.name };
      }
      if (denial !== undefined) return { allowed: false, ...denial };
      for (const [name, bucket] of state.buckets)
        state.buckets.set(name, take(bucket, unitsOf(name, tokens), now));
      return { allowed: true };
    },

    snapshot(key) {
      const state = states.get(key);
      if (state === undefined) return undefined;
      const now = clock();
      return {
        buckets: [...state.buckets.values()]
          // A bucket of unknown size that has reset says nothing any more.
          .filter((bucket) => Number.isFinite(availableAt(bucket, now)))
          .map((bucket) => ({
            name: bucket.name,
            limit: bucket.limit,
            remaining: Math.max(0, Math.floor(availableAt(bucket, now))),
            resetAt: Math.max(now, bucket.resetAt),
          })),
        blockedUntil: state.blockedUntil,
      };
    },
  };
}
