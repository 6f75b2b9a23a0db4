import type { WindowAlgorithm } from './window-algorithm.js';

/** One window of a tier: a quota of requests or AI tokens per `windowMs`. */
export interface RateLimitWindow {
  /**
   * Policy name, unique in the tier; the middleware uses it as the RateLimit-Policy name.
   * Presets use `minute`, `hour`, `day` and `tokens`.
   */
  readonly name: string;
  /** Quota of the window: a positive integer. */
  readonly limit: number;
  /** Window length in milliseconds, any positive integer. */
  readonly windowMs: number;
  /**
   * What the window counts: requests (weighted by cost) or AI tokens (reserved, then committed).
   * @default 'requests'
   */
  readonly unit?: 'requests' | 'tokens' | undefined;
  /**
   * How the window counts; see {@link WindowAlgorithm}.
   * @default the limiter's `algorithm` option ('sliding-window')
   */
  readonly algorithm?: WindowAlgorithm | undefined;
}

/** A tier: every window one decision checks at once, all-or-nothing. */
export interface RateLimitTier {
  /** Request windows and token windows, in the order decisions report them. */
  readonly windows: readonly RateLimitWindow[];
  /**
   * What `reserve()` does with an estimate larger than the tier's smallest token limit:
   * `'cap'` holds the whole limit instead (so a generous default estimate never refuses a
   * small tier; the actual usage is still charged at commit, so one request can spend more
   * than was left), `'deny'` refuses the reservation (one request never holds more than the
   * budget, and spends more only by exceeding its own estimate).
   * @default 'cap'
   */
  readonly oversizedEstimate?: 'cap' | 'deny' | undefined;
  /**
   * Most requests of one key in flight at once (a stream counts until it ends), a positive
   * integer. Decisions carry it as `concurrency`; the HTTP middleware's `concurrency` option
   * enforces it with a concurrency limiter. No limit when absent.
   */
  readonly concurrency?: number | undefined;
}

/** Built-in tier names; any other string names a custom tier. */
export type TierName = 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE' | (string & {});
