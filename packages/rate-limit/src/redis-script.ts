import { createHash } from 'node:crypto';
import { ALGORITHM_CODE, type TierPlan } from './tier-plan.js';

/** A Lua script and its SHA1, for EVALSHA. */
export interface TierScript {
  readonly source: string;
  readonly sha: string;
}

/**
 * How a script replies: `'packed'` is one bulk string of little-endian doubles (read with
 * EVALSHA's Buffer variant: no per-number RESP parsing); `'table'` is an array of integers,
 * for clients that only have `evalsha`.
 */
export type ScriptReply = 'packed' | 'table';

const scripts = { packed: new WeakMap<TierPlan, TierScript>(), table: new WeakMap() };
const batchScripts = { packed: new WeakMap<TierPlan, TierScript>(), table: new WeakMap() };

function scriptOf(source: string): TierScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Library functions as upvalues: cheaper than a global and a field lookup on every use. */
const PRELUDE =
  'local floor, ceil, max, pack, unpack = math.floor, math.ceil, math.max, struct.pack, struct.unpack';

/** Fields of a reply before its windows: allowed, now, held tokens, hold outcome. */
export const REPLY_HEADER = 4;

/** Operation codes the script reads from ARGV. */
export const OPERATION_CODE = { consume: 0, settle: 1, peek: 2 } as const;

/** Hold outcome codes the script answers with, in the order of their codes. */
export const HOLD_OUTCOMES = ['settled', 'expired', 'already-settled'] as const;

/** A number as Lua source (plans hold safe integers, which print exactly). */
function numberLiteral(value: number): string {
  return String(value);
}

/** Keys one decision passes: the hash, and the holds sorted set when the tier counts tokens. */
export function keysPerDecision(plan: TierPlan): 1 | 2 {
  return plan.hasTokens ? 2 : 1;
}

/**
 * The Lua script that decides for one tier, built once per plan with the tier's windows baked
 * in as constants: straight-line code, field names interned at load time, 5 arguments per call.
 * It mirrors the memory store's arithmetic operation for operation, so both decide alike
 * (a property test compares them).
 *
 * KEYS: the subject's hash (`{prefix:key}`) and, for tiers with a token window, its holds sorted
 * set (`{prefix:key}:h`): one hash tag, so the script runs on one Redis Cluster slot.
 * ARGV: operation, clock override ('' = Redis TIME), cost, tokens, hold member.
 */
export function tierScript(plan: TierPlan, reply: ScriptReply = 'packed'): TierScript {
  let script = scripts[reply].get(plan);
  if (script === undefined) {
    const source = [
      PRELUDE,
      'local K1, K2 = KEYS[1], KEYS[2]',
      'local op, now, cost, tokens, member = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]',
      'if not now then',
      "  local time = redis.call('TIME')",
      '  now = tonumber(time[1]) * 1000 + floor(tonumber(time[2]) / 1000)',
      'end',
      buildBody(plan, reply),
    ].join('\n');
    script = scriptOf(source);
    scripts[reply].set(plan, script);
  }
  return script;
}

/**
 * The same decision for several subjects in one script run, on one Redis TIME. KEYS holds
 * {@link keysPerDecision} keys per decision. ARGV holds, per decision, either its cost alone
 * (a plain consume: no tokens, no hold, the server's clock) or `''` followed by the 5
 * arguments of {@link tierScript}. The reply is the replies end to end. Each decision stays
 * atomic and all-or-nothing on its own.
 */
export function tierBatchScript(plan: TierPlan, reply: ScriptReply = 'packed'): TierScript {
  let script = batchScripts[reply].get(plan);
  if (script === undefined) {
    const keys = keysPerDecision(plan);
    const source = [
      PRELUDE,
      'local function decide(K1, K2, op, now, cost, tokens, member)',
      buildBody(plan, reply),
      'end',
      "local time = redis.call('TIME')",
      'local batchNow = tonumber(time[1]) * 1000 + floor(tonumber(time[2]) / 1000)',
      'local out, n, a, k = {}, 0, 1, 1',
      `for i = 1, #KEYS / ${keys} do`,
      '  local first, reply = ARGV[a]',
      "  if first == '' then",
      '    reply = decide(KEYS[k], KEYS[k + 1], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]) or batchNow, tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5])',
      '    a = a + 6',
      '  else',
      "    reply = decide(KEYS[k], KEYS[k + 1], 0, batchNow, tonumber(first), 0, '')",
      '    a = a + 1',
      '  end',
      `  k = k + ${keys}`,
      ...(reply === 'packed'
        ? ['  out[i] = reply', 'end', 'return table.concat(out)']
        : [
            '  for j = 1, #reply do',
            '    n = n + 1',
            '    out[n] = reply[j]',
            '  end',
            'end',
            'return out',
          ]),
    ].join('\n');
    script = scriptOf(source);
    batchScripts[reply].set(plan, script);
  }
  return script;
}

/** The decision, given locals K1, K2, op, now, cost, tokens and member; it ends in a return. */
function buildBody(plan: TierPlan, replyKind: ScriptReply): string {
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);
  const count = plan.windows.length;
  const windows = Array.from({ length: count }, (_, window) => window + 1);
  // Field m: held tokens, earliest hold expiry, when the TTL was last pushed back. Field
  // <layout>: index, current and previous of every window. Both packed doubles (Lua struct).
  const layout = `'${plan.layout}'`;
  const stateFormat = `'<${'d'.repeat(3 * count)}'`;
  const stateNames = windows.map((n) => `s${n}, c${n}, p${n}`).join(', ');
  const packedState = windows.map((n) => `x${n}, c${n}, p${n}`).join(', ');

  out(`local v = redis.call('HMGET', K1, 'm', ${layout})`);
  out('local held, nextExpiry, ttlSetAt = 0, 0, 0');
  out("if v[1] then held, nextExpiry, ttlSetAt = unpack('<ddd', v[1]) end");
  out(`local ${stateNames}`);
  out(`if v[2] then ${stateNames} = unpack(${stateFormat}, v[2]) else`);
  for (const n of windows) out(`  s${n}, c${n}, p${n} = -2, 0, 0`);
  out('end');
  out('local dirty = false');
  out('local changed = false');
  if (plan.hasTokens) {
    out('if nextExpiry > 0 and nextExpiry <= now then');
    out("  local expired = redis.call('ZRANGEBYSCORE', K2, '-inf', now)");
    out('  for j = 1, #expired do');
    out("    local amount = tonumber(string.match(expired[j], '^(%d+):'))");
    out('    if amount then held = held - amount end');
    out('  end');
    out("  redis.call('ZREMRANGEBYSCORE', K2, '-inf', now)");
    out("  local first = redis.call('ZRANGE', K2, 0, 0, 'WITHSCORES')");
    out('  nextExpiry = tonumber(first[2]) or 0');
    out('  if nextExpiry == 0 or held < 0 then held = 0 end');
    out('  dirty = true');
    out('end');
  }
  // A settle drops its hold once and leaves a marker ('s' .. member) until the hold's TTL, so a
  // retried settle (after an abort or a timeout) charges nothing: 0 settled, 1 expired, 2 again.
  out('local settled = 0');
  if (plan.hasTokens) {
    out("if op == 1 and member ~= '' then");
    out("  local marker = 's' .. member");
    out("  if redis.call('ZREM', K2, member) == 1 then");
    out('    held = held - cost');
    out('    if held < 0 then held = 0 end');
    out("  elseif redis.call('ZSCORE', K2, marker) then");
    out('    settled = 2');
    out('    tokens = 0');
    out('  else');
    out('    settled = 1');
    out('  end');
    out('  if settled ~= 2 then');
    out(`    local markerExpiry = now + ${numberLiteral(plan.reservationTtlMs)}`);
    out("    redis.call('ZADD', K2, markerExpiry, marker)");
    out(`    redis.call('PEXPIRE', K2, ${numberLiteral(plan.reservationTtlMs)})`);
    out('    if nextExpiry == 0 or markerExpiry < nextExpiry then nextExpiry = markerExpiry end');
    out('  end');
    out('  dirty = true');
    out('end');
  }
  out('local requestNeed = 1');
  out('local tokenNeed = held + 1');
  out('if op == 0 then');
  out('  requestNeed = cost');
  out('  if tokens > 1 then tokenNeed = held + tokens end');
  out('end');
  out('local allowed = 1');

  const literals = plan.windows.map((window, index) => ({
    n: index + 1,
    kind: ALGORITHM_CODE[window.algorithm],
    length: numberLiteral(window.windowMs),
    limit: numberLiteral(window.limit),
    isTokens: window.unit === 'tokens',
  }));
  literals.forEach(({ n, kind, length, limit, isTokens }) => {
    if (kind === 2) {
      out(`local x${n} = 0`);
      out(`local u${n} = max(0, c${n} - now) / (${length} / ${limit})`);
    } else {
      // Roll the stored window forward to now: same window, the next one, or long gone.
      out(`local x${n} = floor(now / ${length})`);
      out(`if s${n} ~= x${n} then`);
      out(`  if s${n} == x${n} - 1 then p${n} = c${n} else p${n} = 0 end`);
      out(`  c${n} = 0`);
      out('end');
      out(
        kind === 0
          ? `local u${n} = p${n} * (1 - (now - x${n} * ${length}) / ${length}) + c${n}`
          : `local u${n} = c${n}`,
      );
    }
    if (isTokens) {
      out('if op == 1 then');
      out(
        kind === 2
          ? `  c${n} = max(c${n}, now) + tokens * (${length} / ${limit})`
          : `  c${n} = c${n} + tokens`,
      );
      out(`  u${n} = u${n} + tokens`);
      out('  changed = true');
      out('end');
    }
    out(`if u${n} + ${isTokens ? 'tokenNeed' : 'requestNeed'} > ${limit} then allowed = 0 end`);
  });

  out('local heldAfter = held');
  out('if op == 0 and allowed == 1 then');
  out('  if cost > 0 then');
  literals.forEach(({ n, kind, length, limit, isTokens }) => {
    if (isTokens) return;
    out(
      kind === 2
        ? `    c${n} = max(c${n}, now) + cost * (${length} / ${limit})`
        : `    c${n} = c${n} + cost`,
    );
    out(`    u${n} = u${n} + cost`);
  });
  out('    changed = true');
  out('  end');
  if (plan.hasTokens) {
    out("  if tokens > 0 and member ~= '' then");
    out(`    local expiresAt = now + ${numberLiteral(plan.reservationTtlMs)}`);
    out("    redis.call('ZADD', K2, expiresAt, member)");
    out(`    redis.call('PEXPIRE', K2, ${numberLiteral(plan.reservationTtlMs)})`);
    out('    heldAfter = held + tokens');
    out('    held = heldAfter');
    out('    if nextExpiry == 0 or expiresAt < nextExpiry then nextExpiry = expiresAt end');
    out('    dirty = true');
    out('  end');
  }
  out('end');
  // The TTL is pushed back once per half TTL, not on every write: one command less per call.
  out('if changed or dirty then');
  out(`  local refresh = now - ttlSetAt >= ${numberLiteral(Math.floor(plan.keyTtlMs / 2))}`);
  out('  if refresh then');
  out('    ttlSetAt = now');
  out('    dirty = true');
  out('  end');
  out('  if changed and dirty then');
  out(
    `    redis.call('HSET', K1, 'm', pack('<ddd', held, nextExpiry, ttlSetAt), ${layout}, pack(${stateFormat}, ${packedState}))`,
  );
  out('  elseif changed then');
  out(`    redis.call('HSET', K1, ${layout}, pack(${stateFormat}, ${packedState}))`);
  out('  else');
  out("    redis.call('HSET', K1, 'm', pack('<ddd', held, nextExpiry, ttlSetAt))");
  out('  end');
  out(`  if refresh then redis.call('PEXPIRE', K1, ${numberLiteral(plan.keyTtlMs)}) end`);
  out('end');

  const reply: string[] = ['allowed', 'now', 'heldAfter', 'settled'];
  out('local retry, room');
  literals.forEach(({ n, kind, length, limit, isTokens }) => {
    const need = isTokens ? 'tokenNeed' : 'requestNeed';
    out('retry = 0');
    out(`if (op ~= 0 or allowed == 0) and u${n} + ${need} > ${limit} then`);
    out(`  room = ${limit} - ${need}`);
    out('  if room < 0 then');
    out(`    retry = ${length}`);
    if (kind === 1) {
      out('  else');
      out(`    retry = (x${n} + 1) * ${length} - now`);
    } else if (kind === 0) {
      out(`  elseif c${n} <= room then`);
      out(
        `    retry = ${length} * (1 - (now - x${n} * ${length}) / ${length} - (room - c${n}) / p${n})`,
      );
      out('  else');
      out(`    retry = (x${n} + 1) * ${length} - now + ${length} * (1 - room / c${n})`);
    } else {
      out('  else');
      out(`    retry = c${n} - now - room * (${length} / ${limit})`);
    }
    out('  end');
    out('  retry = max(1, ceil(retry))');
    out('end');
    out(`local r${n} = retry`);
    out(
      isTokens
        ? `local m${n} = max(0, floor(${limit} - u${n} - heldAfter))`
        : `local m${n} = max(0, floor(${limit} - u${n}))`,
    );
    if (kind === 1) out(`local t${n} = (x${n} + 1) * ${length}`);
    else {
      out(`local t${n}`);
      out(`if retry > 0 then t${n} = now + retry else`);
      out(kind === 2 ? `  t${n} = max(now, ceil(c${n}))` : `  t${n} = (x${n} + 1) * ${length}`);
      out('end');
    }
    reply.push(`m${n}`, `t${n}`, `r${n}`);
  });
  out(
    replyKind === 'packed'
      ? `return pack('<${'d'.repeat(reply.length)}', ${reply.join(', ')})`
      : `return {${reply.join(', ')}}`,
  );
  return `${lines.join('\n')}\n`;
}
