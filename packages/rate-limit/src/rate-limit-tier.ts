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
  readonly unit?: 'requests' | 'tokens';
  /**
   * How the window counts; see {@link WindowAlgorithm}.
   * @default the limiter's `algorithm` option ('sliding-window')
   */
  readonly algorithm?: WindowAlgorithm;
}

/** A tier: every window one decision checks at once, all-or-nothing. */
export interface RateLimitTier {
  /** Request windows and token windows, in the order decisions report them. */
  readonly windows: readonly RateLimitWindow[];
}

/** Built-in tier names; any other string names a custom tier. */
export type TierName = 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE' | (string & {});
