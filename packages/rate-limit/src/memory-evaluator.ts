import { REPLY_HEADER } from './rate-limit-store.js';
import type { TierPlan } from './tier-plan.js';
import { numberLiteral, windowLiterals } from './window-literals.js';

/**
 * Evaluates every window of one plan for one subject and writes the store reply.
 * `state` holds 3 numbers per window (index, current, previous); `held` is the subject's held
 * tokens after purging and settling; `holding` says a consume would create a hold of `tokens`.
 * Returns 1 when the operation was admitted (and applied), else 0.
 */
export type MemoryEvaluator = (
  state: Float64Array,
  now: number,
  operation: number,
  cost: number,
  tokens: number,
  held: number,
  holding: boolean,
  reply: Float64Array,
) => number;

const evaluators = new WeakMap<TierPlan, MemoryEvaluator>();

/**
 * The memory store's decision for one tier, compiled once per plan into straight-line code
 * with the windows' constants built in (the same shape as the per-tier Redis script, and the
 * same arithmetic, operation for operation).
 */
export function memoryEvaluator(plan: TierPlan): MemoryEvaluator {
  let evaluator = evaluators.get(plan);
  if (evaluator === undefined) {
    evaluator = new Function(
      'state',
      'now',
      'op',
      'cost',
      'tokens',
      'held',
      'holding',
      'reply',
      buildBody(plan),
    ) as MemoryEvaluator;
    evaluators.set(plan, evaluator);
  }
  return evaluator;
}

function buildBody(plan: TierPlan): string {
  const lines: string[] = ['"use strict";'];
  const out = (line: string) => lines.push(line);
  out('const requestNeed = op === 0 ? cost : 1;');
  out('const tokenNeed = held + (op === 0 && tokens > 1 ? tokens : 1);');
  out('let allowed = 1;');
  const windows = windowLiterals(plan);
  windows.forEach(({ n, kind, length, limit, isTokens }, window) => {
    const slot = window * 3;
    if (kind === 2) {
      out(`const x${n} = 0;`);
      out(`let c${n} = state[${slot + 1}];`);
      out(`const p${n} = 0;`);
      out(`let u${n} = Math.max(0, c${n} - now) / (${length} / ${limit});`);
    } else {
      out(`const x${n} = Math.floor(now / ${length});`);
      out(`const s${n} = state[${slot}];`);
      out(`let c${n} = 0;`);
      out(`let p${n} = 0;`);
      out(`if (s${n} === x${n}) { c${n} = state[${slot + 1}]; p${n} = state[${slot + 2}]; }`);
      out(`else if (s${n} === x${n} - 1) { p${n} = state[${slot + 1}]; }`);
      out(
        kind === 0
          ? `let u${n} = p${n} * (1 - (now - x${n} * ${length}) / ${length}) + c${n};`
          : `let u${n} = c${n};`,
      );
    }
    if (isTokens) {
      // Usage already happened: it is charged whatever the remaining quota.
      out('if (op === 1) {');
      out(
        kind === 2
          ? `  c${n} = Math.max(c${n}, now) + tokens * (${length} / ${limit});`
          : `  c${n} = c${n} + tokens;`,
      );
      out(`  u${n} = u${n} + tokens;`);
      out(writeState(kind ?? 0, n, slot));
      out('}');
    }
    out(`if (u${n} + ${isTokens ? 'tokenNeed' : 'requestNeed'} > ${limit}) allowed = 0;`);
  });
  out('const consumed = op === 0 && allowed === 1;');
  out('const heldAfter = consumed && holding ? held + tokens : held;');
  out('if (consumed && cost > 0) {');
  windows.forEach(({ n, kind, length, limit, isTokens }, window) => {
    if (isTokens) return;
    out(
      kind === 2
        ? `  c${n} = Math.max(c${n}, now) + cost * (${length} / ${limit});`
        : `  c${n} = c${n} + cost;`,
    );
    out(`  u${n} = u${n} + cost;`);
    out(`  ${writeState(kind, n, window * 3)}`);
  });
  out('}');
  out('reply[0] = allowed;');
  out('reply[1] = now;');
  out('reply[2] = heldAfter;');
  out(`reply[4] = ${numberLiteral(plan.divisor)};`);
  out('let retry = 0;');
  out('let room = 0;');
  windows.forEach(({ n, kind, length, limit, isTokens }, window) => {
    const need = isTokens ? 'tokenNeed' : 'requestNeed';
    const at = REPLY_HEADER + window * 3;
    // A window with room reports no wait, even inside a denial by another window.
    out('retry = 0;');
    out(`if (!consumed && u${n} + ${need} > ${limit}) {`);
    out(`  room = ${limit} - ${need};`);
    out(`  if (room < 0) retry = ${length};`);
    if (kind === 1) out(`  else retry = (x${n} + 1) * ${length} - now;`);
    else if (kind === 0) {
      out(
        `  else if (c${n} <= room) retry = ${length} * (1 - (now - x${n} * ${length}) / ${length} - (room - c${n}) / p${n});`,
      );
      out(`  else retry = (x${n} + 1) * ${length} - now + ${length} * (1 - room / c${n});`);
    } else out(`  else retry = c${n} - now - room * (${length} / ${limit});`);
    out('  retry = Math.max(1, Math.ceil(retry));');
    out('}');
    out(
      isTokens
        ? `reply[${at}] = Math.max(0, Math.floor(${limit} - u${n} - heldAfter));`
        : `reply[${at}] = Math.max(0, Math.floor(${limit} - u${n}));`,
    );
    if (kind === 1) out(`reply[${at + 1}] = (x${n} + 1) * ${length};`);
    else
      out(
        `reply[${at + 1}] = retry > 0 ? now + retry : ${
          kind === 2 ? `Math.max(now, Math.ceil(c${n}))` : `(x${n} + 1) * ${length}`
        };`,
      );
    out(`reply[${at + 2}] = retry;`);
  });
  out('return allowed;');
  return lines.join('\n');
}

function writeState(kind: number, n: number, slot: number): string {
  if (kind === 2) return `state[${slot + 1}] = c${n};`;
  return `state[${slot}] = x${n}; state[${slot + 1}] = c${n}; state[${slot + 2}] = p${n};`;
}
