import type { PolicyDecision, RateLimitDecision } from '../../rate-limit-decision.js';

/** A fixed "now" for header tests (epoch ms, on a whole second). */
export const NOW = 1_700_000_000_000;

/** A FREE-tier-shaped policy list (minute, hour, day, tokens) with nothing consumed yet. */
export function freePolicies(now = NOW): PolicyDecision[] {
  return [
    policy('minute', 10, 60_000, now),
    policy('hour', 100, 3_600_000, now),
    policy('day', 500, 86_400_000, now),
    policy('tokens', 50_000, 86_400_000, now, 'tokens'),
  ];
}

export function policy(
  name: string,
  limit: number,
  windowMs: number,
  now = NOW,
  unit: 'requests' | 'tokens' = 'requests',
): PolicyDecision {
  return {
    name,
    unit,
    limit,
    remaining: limit,
    windowMs,
    resetAt: now + windowMs,
    allowed: true,
    retryAfterMs: 0,
  };
}

/** A decision built from policies, with top-level fields derived as the limiter documents them. */
export function decisionOf(
  policies: PolicyDecision[],
  overrides: Partial<RateLimitDecision> = {},
): RateLimitDecision {
  const violated = policies.filter((entry) => !entry.allowed);
  const allowed = violated.length === 0;
  const tightest = [...policies].sort((a, b) => a.remaining / a.limit - b.remaining / b.limit)[0];
  return {
    allowed,
    tier: 'FREE',
    limit: tightest?.limit ?? 0,
    remaining: tightest?.remaining ?? 0,
    resetAt: tightest?.resetAt ?? NOW,
    retryAfterMs: allowed ? 0 : Math.max(...violated.map((entry) => entry.resetAt - NOW)),
    policies,
    reason: allowed ? 'allowed' : 'limit-exceeded',
    ...overrides,
  };
}
