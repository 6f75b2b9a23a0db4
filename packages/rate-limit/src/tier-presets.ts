import type { RateLimitTier } from './rate-limit-tier.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The limits one preset tier is built from. */
export interface TierLimits {
  /** Requests per minute. */
  readonly requestsPerMinute?: number | undefined;
  /** Requests per hour. */
  readonly requestsPerHour?: number | undefined;
  /** Requests per day. */
  readonly requestsPerDay?: number | undefined;
  /** AI tokens per day. */
  readonly tokensPerDay?: number | undefined;
  /** Requests of one key in flight at once (`RateLimitTier.concurrency`). */
  readonly concurrency?: number | undefined;
}

/**
 * Builds a tier from per-minute, per-hour and per-day limits, with windows named `minute`,
 * `hour`, `day` and `tokens` (the names `getQuota` reads). Omitted limits add no window.
 */
export function tierFromLimits(limits: TierLimits): RateLimitTier {
  const windows = [];
  if (limits.requestsPerMinute !== undefined)
    windows.push({ name: 'minute', limit: limits.requestsPerMinute, windowMs: MINUTE_MS });
  if (limits.requestsPerHour !== undefined)
    windows.push({ name: 'hour', limit: limits.requestsPerHour, windowMs: HOUR_MS });
  if (limits.requestsPerDay !== undefined)
    windows.push({ name: 'day', limit: limits.requestsPerDay, windowMs: DAY_MS });
  if (limits.tokensPerDay !== undefined)
    windows.push({
      name: 'tokens',
      limit: limits.tokensPerDay,
      windowMs: DAY_MS,
      unit: 'tokens' as const,
    });
  return limits.concurrency === undefined
    ? { windows }
    : { windows, concurrency: limits.concurrency };
}

/**
 * The built-in tiers. Pass `{ ...TIER_PRESETS, GOLD: tierFromLimits({...}) }` as `tiers` to add
 * your own.
 *
 * | Tier | per minute | per hour | per day | AI tokens per day | in flight |
 * |---|---|---|---|---|---|
 * | FREE | 10 | 100 | 500 | 50,000 | 2 |
 * | BASIC | 30 | 500 | 5,000 | 500,000 | 5 |
 * | PRO | 100 | 2,000 | 20,000 | 2,000,000 | 20 |
 * | ENTERPRISE | 1,000 | 10,000 | 100,000 | 10,000,000 | 100 |
 */
export const TIER_PRESETS: Readonly<
  Record<'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE', RateLimitTier>
> = Object.freeze({
  FREE: tierFromLimits({
    requestsPerMinute: 10,
    requestsPerHour: 100,
    requestsPerDay: 500,
    tokensPerDay: 50_000,
    concurrency: 2,
  }),
  BASIC: tierFromLimits({
    requestsPerMinute: 30,
    requestsPerHour: 500,
    requestsPerDay: 5_000,
    tokensPerDay: 500_000,
    concurrency: 5,
  }),
  PRO: tierFromLimits({
    requestsPerMinute: 100,
    requestsPerHour: 2_000,
    requestsPerDay: 20_000,
    tokensPerDay: 2_000_000,
    concurrency: 20,
  }),
  ENTERPRISE: tierFromLimits({
    requestsPerMinute: 1_000,
    requestsPerHour: 10_000,
    requestsPerDay: 100_000,
    tokensPerDay: 10_000_000,
    concurrency: 100,
  }),
});
