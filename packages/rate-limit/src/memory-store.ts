import { LRUCache } from 'lru-cache';
import { type RateLimitStore, REPLY_HEADER, type StoreOperation } from './rate-limit-store.js';
import type { TierPlan } from './tier-plan.js';

/** Options for {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most subjects kept; the least recently used one is evicted beyond it, so memory stays flat
   * however many distinct keys arrive (an evicted subject starts again with empty windows).
   * @default 100_000
   */
  readonly max?: number;
  /**
   * Clock in epoch milliseconds.
   * @default Date.now
   */
  readonly clock?: () => number;
}

/** A {@link RateLimitStore} in process memory, bounded by an LRU. */
export interface MemoryStore extends RateLimitStore {
  readonly local: true;
  /** Synchronous: the reply is a buffer reused by the next call, so read it right away. */
  execute(
    subject: string,
    plan: TierPlan,
    operation: StoreOperation,
    cost: number,
    tokens: number,
    holdId: string,
  ): Float64Array;
  /** Subjects currently kept. */
  readonly size: number;
  /** Most subjects kept. */
  readonly max: number;
  /** Forgets every subject. */
  clear(): void;
}

interface Hold {
  readonly amount: number;
  readonly expiresAt: number;
}

interface Entry {
  layout: string;
  /** Per window: index, current, previous (a token bucket keeps its arrival time in `current`). */
  state: Float64Array;
  held: number;
  /** Earliest hold expiry, 0 when there is no hold. */
  nextExpiry: number;
  holds: Map<string, Hold> | undefined;
  /** States of other layouts (a subject whose tier changed to a differently shaped one). */
  others: Map<string, Float64Array> | undefined;
}

function emptyState(count: number): Float64Array {
  const state = new Float64Array(count * 3);
  for (let index = 0; index < state.length; index += 3) state[index] = Number.NaN;
  return state;
}

/**
 * Creates a store that keeps counters in process memory. Decisions are synchronous inside;
 * the same algorithm runs as a Lua script in {@link createRedisStore}.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? 100_000;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new RangeError(`max must be an integer ≥ 1, got ${max}`);
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function');
  // Evicted entries are reused for new subjects, so a flood of distinct keys allocates nothing.
  const spare: Entry[] = [];
  const entries = new LRUCache<string, Entry>({
    max,
    dispose(entry, _subject, reason) {
      if (reason === 'evict' && spare.length < 64) spare.push(entry);
    },
  });
  // Scratch buffers reused by every call: the memory path allocates nothing per decision.
  let reply = new Float64Array(REPLY_HEADER + 3 * 8);
  let used = new Float64Array(8);
  let current = new Float64Array(8);
  let previous = new Float64Array(8);
  let indexes = new Float64Array(8);

  function stateFor(entry: Entry, plan: TierPlan): Float64Array {
    if (entry.layout === plan.layout) return entry.state;
    entry.others ??= new Map();
    let state = entry.others.get(plan.layout);
    if (!state) {
      state = emptyState(plan.count);
      entry.others.set(plan.layout, state);
    }
    return state;
  }

  function purge(entry: Entry, now: number): void {
    let next = 0;
    for (const [id, hold] of entry.holds ?? []) {
      if (hold.expiresAt <= now) {
        entry.holds?.delete(id);
        entry.held -= hold.amount;
      } else if (next === 0 || hold.expiresAt < next) next = hold.expiresAt;
    }
    entry.nextExpiry = next;
    if (next === 0 || entry.held < 0) entry.held = 0;
  }

  function execute(
    subject: string,
    plan: TierPlan,
    operation: StoreOperation,
    cost: number,
    tokens: number,
    holdId: string,
  ): Float64Array {
    const now = clock();
    const count = plan.count;
    if (used.length < count) {
      used = new Float64Array(count);
      current = new Float64Array(count);
      previous = new Float64Array(count);
      indexes = new Float64Array(count);
      reply = new Float64Array(REPLY_HEADER + 3 * count);
    }
    let entry = operation === 2 ? entries.peek(subject) : entries.get(subject);
    if (entry === undefined) {
      const reused = operation === 2 ? undefined : spare.pop();
      if (reused !== undefined && reused.state.length === count * 3) {
        const state = reused.state;
        for (let slot = 0; slot < state.length; slot += 3) {
          state[slot] = Number.NaN;
          state[slot + 1] = 0;
          state[slot + 2] = 0;
        }
        reused.layout = plan.layout;
        reused.held = 0;
        reused.nextExpiry = 0;
        reused.holds = undefined;
        reused.others = undefined;
        entry = reused;
      } else
        entry = {
          layout: plan.layout,
          state: emptyState(count),
          held: 0,
          nextExpiry: 0,
          holds: undefined,
          others: undefined,
        };
      // A peek must not make unknown subjects take room.
      if (operation !== 2) entries.set(subject, entry);
    }
    const state = stateFor(entry, plan);
    if (entry.nextExpiry > 0 && entry.nextExpiry <= now) purge(entry, now);
    let settled = 0;
    if (operation === 1 && holdId !== '') {
      const hold = entry.holds?.get(holdId);
      if (hold !== undefined) {
        entry.holds?.delete(holdId);
        entry.held -= hold.amount;
        if (entry.held < 0) entry.held = 0;
        settled = 1;
      }
    }
    const held = entry.held;
    const kinds = plan.kinds;
    const tokenUnits = plan.tokenUnits;
    const limits = plan.limits;
    const lengths = plan.windowMs;
    const requestNeed = operation === 0 ? cost : 1;
    const tokenNeed = held + (operation === 0 && tokens > 1 ? tokens : 1);
    let allowed = 1;
    for (let window = 0; window < count; window++) {
      const length = lengths[window] as number;
      const limit = limits[window] as number;
      const kind = kinds[window];
      const slot = window * 3;
      let index = 0;
      let cur = 0;
      let prev = 0;
      let load = 0;
      if (kind === 2) {
        cur = state[slot + 1] as number;
        load = Math.max(0, cur - now) / (length / limit);
      } else {
        index = Math.floor(now / length);
        const stored = state[slot] as number;
        if (stored === index) {
          cur = state[slot + 1] as number;
          prev = state[slot + 2] as number;
        } else if (stored === index - 1) {
          prev = state[slot + 1] as number;
        }
        load = kind === 0 ? prev * (1 - (now - index * length) / length) + cur : cur;
      }
      if (operation === 1 && tokenUnits[window] === 1) {
        // Usage already happened: it is charged whatever the remaining quota.
        cur = kind === 2 ? Math.max(cur, now) + tokens * (length / limit) : cur + tokens;
        load = load + tokens;
        writeWindow(state, slot, kind ?? 0, index, cur, prev);
      }
      used[window] = load;
      current[window] = cur;
      previous[window] = prev;
      indexes[window] = index;
      const need = tokenUnits[window] === 1 ? tokenNeed : requestNeed;
      if (load + need > limit) allowed = 0;
    }
    let heldAfter = held;
    if (operation === 0 && allowed === 1) {
      if (cost > 0) {
        for (let window = 0; window < count; window++) {
          if (tokenUnits[window] === 1) continue;
          const kind = kinds[window];
          const cur =
            kind === 2
              ? Math.max(current[window] as number, now) +
                cost * ((lengths[window] as number) / (limits[window] as number))
              : (current[window] as number) + cost;
          current[window] = cur;
          used[window] = (used[window] as number) + cost;
          writeWindow(
            state,
            window * 3,
            kind ?? 0,
            indexes[window] as number,
            cur,
            previous[window] as number,
          );
        }
      }
      if (tokens > 0 && holdId !== '') {
        const expiresAt = now + plan.reservationTtlMs;
        entry.holds ??= new Map();
        entry.holds.set(holdId, { amount: tokens, expiresAt });
        heldAfter = held + tokens;
        entry.held = heldAfter;
        if (entry.nextExpiry === 0 || expiresAt < entry.nextExpiry) entry.nextExpiry = expiresAt;
      }
    }
    reply[0] = allowed;
    reply[1] = now;
    reply[2] = heldAfter;
    reply[3] = settled;
    reply[4] = plan.divisor;
    for (let window = 0; window < count; window++) {
      const length = lengths[window] as number;
      const limit = limits[window] as number;
      const kind = kinds[window];
      const isTokens = tokenUnits[window] === 1;
      const load = used[window] as number;
      const need = isTokens ? tokenNeed : requestNeed;
      const index = indexes[window] as number;
      const cur = current[window] as number;
      let retry = 0;
      // A window with room reports no wait, even inside a denial by another window.
      if (operation !== 0 || allowed === 0) {
        if (load + need > limit) {
          const room = limit - need;
          if (room < 0) retry = length;
          else if (kind === 1) retry = (index + 1) * length - now;
          else if (kind === 0) {
            const prev = previous[window] as number;
            retry =
              cur <= room
                ? length * (1 - (now - index * length) / length - (room - cur) / prev)
                : (index + 1) * length - now + length * (1 - room / cur);
          } else retry = cur - now - room * (length / limit);
          retry = Math.max(1, Math.ceil(retry));
        }
      }
      const slot = REPLY_HEADER + window * 3;
      reply[slot] = Math.max(0, Math.floor(limit - load - (isTokens ? heldAfter : 0)));
      reply[slot + 1] =
        retry > 0
          ? kind === 1
            ? (index + 1) * length
            : now + retry
          : kind === 2
            ? Math.max(now, Math.ceil(cur))
            : (index + 1) * length;
      reply[slot + 2] = retry;
    }
    return reply;
  }

  return {
    local: true,
    execute,
    reset(subject) {
      entries.delete(subject);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    max,
  };
}

function writeWindow(
  state: Float64Array,
  slot: number,
  kind: number,
  index: number,
  cur: number,
  prev: number,
): void {
  if (kind === 2) {
    state[slot + 1] = cur;
    return;
  }
  state[slot] = index;
  state[slot + 1] = cur;
  state[slot + 2] = prev;
}
