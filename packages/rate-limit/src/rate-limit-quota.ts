import type { PolicyDecision } from './rate-limit-decision.js';

/**
 * Quota of one subject, read without consuming anything. The `limits` and `current_usage`
 * fields read the tier's requests windows of one minute, one hour and one day and its
 * one-day token window; a tier without such a window reports `null` there.
 */
export interface RateLimitQuota {
  readonly user_id: string;
  readonly tier: string;
  readonly limits: {
    readonly requests_per_minute: number | null;
    readonly requests_per_hour: number | null;
    readonly requests_per_day: number | null;
    readonly ai_tokens_per_day: number | null;
  };
  readonly current_usage: {
    readonly requests_this_minute: number | null;
    readonly requests_this_hour: number | null;
    readonly requests_today: number | null;
    /** Tokens committed today (open reservations not included). */
    readonly tokens_today: number | null;
    /** Tokens still available (open reservations already taken off). */
    readonly tokens_remaining: number | null;
    /** Tokens held by open reservations. */
    readonly tokens_reserved: number;
  };
  /** Every window of the tier, as a decision would report it. */
  readonly policies: readonly PolicyDecision[];
}
