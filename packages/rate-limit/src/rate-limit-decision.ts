/** The outcome of one window (one policy) inside a {@link RateLimitDecision}. */
export interface PolicyDecision {
  /** Policy name as it appears in the RateLimit-Policy header, e.g. `minute`, `hour`, `day`, `tokens`. */
  readonly name: string;
  /** What the window counts: requests (weighted by cost) or AI tokens. */
  readonly unit: 'requests' | 'tokens';
  /** Quota of the window. */
  readonly limit: number;
  /** Units left in the window after this decision (never negative). */
  readonly remaining: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
  /** When the window frees enough quota to reset (epoch milliseconds). */
  readonly resetAt: number;
  /** Whether this window alone would admit the request. */
  readonly allowed: boolean;
  /** 0 when the window has room; otherwise how long until it admits the same request. */
  readonly retryAfterMs: number;
}

/** Why a decision came out as it did. */
export type RateLimitReason =
  /** Every window had room. */
  | 'allowed'
  /** A request window is full. */
  | 'limit-exceeded'
  /** The AI token budget cannot cover the reservation. */
  | 'token-budget-exceeded'
  /** Denied from the local cache of keys already over their limit (no store round trip). */
  | 'cached-block'
  /** The store failed and the limiter is configured to fail open or closed. */
  | 'store-unavailable';

/**
 * A rate-limit decision. Denials are values, never thrown errors.
 * `limit`, `remaining` and `resetAt` describe the most restrictive window.
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly tier: string;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch milliseconds. */
  readonly resetAt: number;
  /** 0 when allowed; otherwise how long to wait before the same request can pass. */
  readonly retryAfterMs: number;
  /** Per-window detail, in the tier's order (request windows first, then tokens). */
  readonly policies: readonly PolicyDecision[];
  readonly reason: RateLimitReason;
  /** True when shadow mode turned a denial into an allow: it was reported and counted, not enforced. */
  readonly shadow?: boolean;
  /**
   * The tier's limit of requests in flight per key (`RateLimitTier.concurrency`), when it has
   * one; the HTTP middleware's `concurrency` option enforces it.
   */
  readonly concurrency?: number;
}
