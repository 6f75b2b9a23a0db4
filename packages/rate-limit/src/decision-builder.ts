import type { RateLimitDecision } from './rate-limit-decision.js';
import { REPLY_HEADER, type StoreReply } from './rate-limit-store.js';
import type { TierPlan } from './tier-plan.js';

/**
 * Turns one store reply into a decision. `shadow` turns a denial into a reported allow.
 * The decision describes the most restrictive window: when allowed, the request window with
 * the fewest units left (a token window only when the tier has no request window); when
 * denied, the window with the longest wait.
 */
export type DecisionBuilder = (reply: StoreReply, shadow: boolean) => RateLimitDecision;

/**
 * Compiles the decision builder of one plan into straight-line code with the windows' names,
 * units, limits and lengths built in: no loop, no lookup of the plan, one allocation per
 * object the decision holds.
 */
export function compileDecisionBuilder(plan: TierPlan): DecisionBuilder {
  const lines: string[] = ['"use strict";'];
  const out = (line: string) => lines.push(line);
  const text = (value: string) => JSON.stringify(value);
  plan.windows.forEach((window, index) => {
    const at = REPLY_HEADER + 3 * index;
    out(
      `const p${index} = { name: ${text(window.name)}, unit: ${text(window.unit)}, limit: ${window.limit}, remaining: reply[${at}], windowMs: ${window.windowMs}, resetAt: reply[${at + 1}], allowed: reply[${at + 2}] === 0 };`,
    );
  });
  const all = plan.windows.map((_, index) => index);
  out(`const policies = [${all.map((index) => `p${index}`).join(', ')}];`);
  const tier = text(plan.tier);
  const decision = (allowed: string, retry: string, reason: string, shadow: string) =>
    `return { allowed: ${allowed}, tier: ${tier}, limit: pick.limit, remaining: pick.remaining, resetAt: pick.resetAt, retryAfterMs: ${retry}, policies, reason: ${reason}, shadow: ${shadow} };`;

  // Allowed: the first window with the fewest units left, request windows before token ones.
  const requests = all.filter((index) => plan.tokenUnits[index] === 0);
  const group = requests.length > 0 ? requests : all;
  out('if (reply[0] === 1) {');
  out(`  let pick = p${group[0]};`);
  for (const index of group.slice(1))
    out(`  if (p${index}.remaining < pick.remaining) pick = p${index};`);
  out(`  ${decision('true', '0', "'allowed'", 'false')}`);
  out('}');

  // Denied: the window with the longest wait; a full request window makes it limit-exceeded.
  out('let pick = p0;');
  out("let reason = 'token-budget-exceeded';");
  out('let retryAfterMs = 0;');
  out('let retry = 0;');
  for (const index of all) {
    out(`retry = reply[${REPLY_HEADER + 3 * index + 2}];`);
    out('if (retry !== 0) {');
    if (plan.tokenUnits[index] === 0) out("  reason = 'limit-exceeded';");
    out(`  if (retry > retryAfterMs) { retryAfterMs = retry; pick = p${index}; }`);
    out('}');
  }
  out(`if (shadow) ${decision('true', '0', 'reason', 'true')}`);
  out(decision('false', 'retryAfterMs', 'reason', 'false'));
  return new Function('reply', 'shadow', lines.join('\n')) as DecisionBuilder;
}
