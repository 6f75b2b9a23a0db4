import type { PolicyDecision } from './rate-limit-decision.js';
import type { StoreReply } from './rate-limit-store.js';

/**
 * Quota of one subject, read without consuming anything. `limits` and `usage` read the tier's
 * request windows of one minute, one hour and one day and its one-day token window; a tier
 * without such a window reports `null` there.
 */
export interface RateLimitQuota {
  /** The subject key. */
  readonly key: string;
  readonly tier: string;
  readonly limits: {
    readonly requestsPerMinute: number | null;
    readonly requestsPerHour: number | null;
    readonly requestsPerDay: number | null;
    readonly tokensPerDay: number | null;
  };
  readonly usage: {
    readonly requestsThisMinute: number | null;
    readonly requestsThisHour: number | null;
    readonly requestsToday: number | null;
    /** Tokens committed today (open reservations not included). */
    readonly tokensToday: number | null;
    /** Tokens still available (open reservations already taken off). */
    readonly tokensRemaining: number | null;
    /** Tokens held by open reservations. */
    readonly tokensReserved: number;
  };
  /** Every window of the tier, as a decision would report it. */
  readonly policies: readonly PolicyDecision[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The quota a peek reply describes. */
export function quotaFromReply(key: string, tier: string, reply: StoreReply): RateLimitQuota {
  const policies = reply.policies;
  const held = reply.heldTokens;
  const find = (unit: PolicyDecision['unit'], windowMs: number) =>
    policies.find((policy) => policy.unit === unit && policy.windowMs === windowMs);
  const minute = find('requests', MINUTE_MS);
  const hour = find('requests', HOUR_MS);
  const day = find('requests', DAY_MS);
  const tokens = find('tokens', DAY_MS);
  const usedOf = (policy: PolicyDecision | undefined) =>
    policy === undefined ? null : policy.limit - policy.remaining;
  return {
    key,
    tier,
    limits: {
      requestsPerMinute: minute?.limit ?? null,
      requestsPerHour: hour?.limit ?? null,
      requestsPerDay: day?.limit ?? null,
      tokensPerDay: tokens?.limit ?? null,
    },
    usage: {
      requestsThisMinute: usedOf(minute),
      requestsThisHour: usedOf(hour),
      requestsToday: usedOf(day),
      tokensToday:
        tokens === undefined ? null : Math.max(0, tokens.limit - tokens.remaining - held),
      tokensRemaining: tokens?.remaining ?? null,
      tokensReserved: held,
    },
    policies,
  };
}
