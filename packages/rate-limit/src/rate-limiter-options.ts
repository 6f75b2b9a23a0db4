import type { RateLimitStore } from './rate-limit-store.js';
import type { RateLimitTier } from './rate-limit-tier.js';
import type { WindowAlgorithm } from './window-algorithm.js';

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Where counters live: `createMemoryStore()`, `createRedisStore()` or `createFallbackStore()`.
   * @default createMemoryStore()
   */
  readonly store?: RateLimitStore | undefined;
  /**
   * Tiers by name. Add your own with `{ ...TIER_PRESETS, GOLD: tierFromLimits({...}) }`.
   * @default TIER_PRESETS (FREE, BASIC, PRO, ENTERPRISE)
   */
  readonly tiers?: Readonly<Record<string, RateLimitTier>> | undefined;
  /**
   * Tier used when a call names none.
   * @default 'FREE'
   */
  readonly defaultTier?: string | undefined;
  /**
   * Algorithm of windows that name none.
   * @default 'sliding-window'
   */
  readonly algorithm?: WindowAlgorithm | undefined;
  /**
   * Cost multiplier per endpoint, e.g. `{ '/api/chat': 2, '/api/stream': 3 }`: a call's cost is
   * its `cost` (default 1) times the multiplier of its `endpoint` (default 1).
   * @default {}
   */
  readonly endpointCosts?: Readonly<Record<string, number>> | undefined;
  /**
   * Shadow mode (dark launch): decide, count and emit events, but let every request through.
   * Denials come back with `allowed: true`, `shadow: true` and their real `reason`.
   * @default false
   */
  readonly shadow?: boolean | undefined;
  /**
   * What a decision is when the store fails or times out (and no fallback store answered
   * instead): `'open'` lets the request through, `'closed'` denies it; either way `reason` is
   * `'store-unavailable'` and a `store-error` event carries the typed error.
   * @default 'open'
   */
  readonly failMode?: 'open' | 'closed' | undefined;
  /**
   * Used share of a window from which an allowed decision also emits `near-limit`.
   * @default 0.8
   */
  readonly nearLimitRatio?: number | undefined;
  /**
   * How long an unsettled token reservation holds its tokens before it expires.
   * @default 900_000 (15 minutes)
   */
  readonly reservationTtlMs?: number | undefined;
  /**
   * Local cache of keys already over a request limit, so a blocked client costs no store
   * round trip until it may pass again. Only used with stores that are not in memory.
   * `false` turns it off.
   * @default { max: 10_000 }
   */
  readonly blockedCache?: false | { readonly max?: number | undefined } | undefined;
  /**
   * Clock in epoch milliseconds, for the blocked-key cache and fail-mode decisions (the memory
   * store has its own `clock` option).
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
}

/** Options of {@link RateLimiter.limit}. */
export interface LimitOptions {
  /**
   * Tier to decide for.
   * @default the limiter's `defaultTier`
   */
  readonly tier?: string | undefined;
  /**
   * Request units this call costs in every request window (multiplied by the endpoint's cost).
   * @default 1
   */
  readonly cost?: number | undefined;
  /** The endpoint called, for the limiter's `endpointCosts`. */
  readonly endpoint?: string | undefined;
  /** Aborts waiting for the store; the call then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link RateLimiter.reserve}. */
export interface ReserveOptions extends LimitOptions {
  /**
   * Tokens to hold, e.g. input tokens plus `max_tokens`. An estimate above the tier's smallest
   * token limit is capped at it, or refused when the tier sets `oversizedEstimate: 'deny'`.
   */
  readonly estimate: number;
  /**
   * Tokens the call spends whatever happens, e.g. its prompt: the reservation is refused unless
   * at least this many are left, even when the estimate was capped.
   * @default 0
   */
  readonly requiredTokens?: number | undefined;
}

/** Options of {@link RateLimiter.getQuota} and {@link RateLimiter.reset}. */
export interface QuotaOptions {
  readonly signal?: AbortSignal | undefined;
}
