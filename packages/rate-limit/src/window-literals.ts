import type { TierPlan } from './tier-plan.js';

/** A number as source text that reads back as exactly `value`, in JavaScript and in Lua (plans hold safe integers). */
export function numberLiteral(value: number): string {
  return String(value);
}

/** What the code generated for one window needs, shared by the memory evaluator and the Redis script. */
export interface WindowLiterals {
  /** 1-based suffix of the window's variables (`c1`, `p1`, …). */
  readonly n: number;
  /** Algorithm code (0 sliding, 1 fixed, 2 token bucket). */
  readonly kind: number;
  /** Window length in milliseconds, as a literal. */
  readonly length: string;
  /** Quota, as a literal. */
  readonly limit: string;
  /** Whether the window counts AI tokens. */
  readonly isTokens: boolean;
}

/** The windows of `plan` in decision order, ready to be written into generated code. */
export function windowLiterals(plan: TierPlan): WindowLiterals[] {
  return plan.windows.map((definition, window) => ({
    n: window + 1,
    kind: plan.kinds[window]!,
    length: numberLiteral(definition.windowMs),
    limit: numberLiteral(definition.limit),
    isTokens: plan.tokenUnits[window] === 1,
  }));
}
