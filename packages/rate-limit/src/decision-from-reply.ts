import type { PolicyDecision, RateLimitDecision } from './rate-limit-decision.js';
import type { StoreReply } from './rate-limit-store.js';

/**
 * Turns a store's answer to a consume into a decision. The decision describes the most
 * restrictive window: when allowed, the request window with the fewest units left (a token
 * window only when the tier has no request window); when denied, the window with the longest
 * wait. `shadow` turns a denial into a reported allow; `concurrency` is the tier's, copied.
 */
export function decisionFromReply(
  tier: string,
  reply: StoreReply,
  shadow: boolean,
  concurrency: number | undefined,
): RateLimitDecision {
  const policies = reply.policies;
  if (reply.allowed) {
    // The request window with the fewest units left; a token window only without request windows.
    let pick: PolicyDecision | undefined;
    let tokens: PolicyDecision | undefined;
    for (const policy of policies) {
      if (policy.unit === 'tokens') {
        if (tokens === undefined || policy.remaining < tokens.remaining) tokens = policy;
      } else if (pick === undefined || policy.remaining < pick.remaining) pick = policy;
    }
    pick ??= tokens!;
    return {
      allowed: true,
      tier,
      limit: pick.limit,
      remaining: pick.remaining,
      resetAt: pick.resetAt,
      retryAfterMs: 0,
      policies,
      reason: 'allowed',
      shadow: false,
      ...(concurrency === undefined ? {} : { concurrency }),
    };
  }
  let pick = policies[0]!;
  let reason: RateLimitDecision['reason'] = 'token-budget-exceeded';
  let retryAfterMs = 0;
  for (const policy of policies) {
    if (policy.retryAfterMs === 0) continue;
    // A full request window makes it limit-exceeded; token windows alone, a budget denial.
    if (policy.unit === 'requests') reason = 'limit-exceeded';
    if (policy.retryAfterMs > retryAfterMs) {
      retryAfterMs = policy.retryAfterMs;
      pick = policy;
    }
  }
  return {
    allowed: shadow,
    tier,
    limit: pick.limit,
    remaining: pick.remaining,
    resetAt: pick.resetAt,
    retryAfterMs: shadow ? 0 : retryAfterMs,
    policies,
    reason,
    shadow,
    ...(concurrency === undefined ? {} : { concurrency }),
  };
}
