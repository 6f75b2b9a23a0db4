import { LRUCache } from 'lru-cache';
import { type MemoryEvaluator, memoryEvaluator } from './memory-evaluator.js';
import {
  type RateLimitStore,
  REPLY_HEADER,
  type StoreCall,
  type StoreOperation,
} from './rate-limit-store.js';
import type { TierPlan } from './tier-plan.js';
import { turnClock } from './turn-clock.js';

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
   * @default `Date.now()` read at most once per event-loop turn (and every 32 reads within one):
   * a decision may use a time up to one turn old
   */
  readonly clock?: () => number;
}

/** A {@link RateLimitStore} in process memory, bounded by an LRU. */
export interface MemoryStore extends RateLimitStore {
  readonly local: true;
  /** Synchronous: the reply is a buffer reused by the next call, so read it right away. */
  execute(...call: StoreCall): Float64Array;
  /** The same function as {@link MemoryStore.execute}: this store always answers synchronously. */
  executeSync(...call: StoreCall): Float64Array;
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
  /** Insertion epoch of the entry's last move to the LRU's recent end. */
  epoch: number;
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
  const clock = options.clock ?? turnClock;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function');
  // Evicted entries are reused for new subjects, so a flood of distinct keys allocates nothing.
  const spare: Entry[] = [];
  // The LRU bounds the subjects and picks which to evict; hits are read from a plain Map,
  // which costs less per lookup, and every removal from the LRU is mirrored there.
  const index = new Map<string, Entry>();
  const entries = new LRUCache<string, Entry>({
    max,
    dispose(entry, subject, reason) {
      index.delete(subject);
      if (reason === 'evict' && spare.length < 64) spare.push(entry);
    },
  });
  // An entry moves to the LRU's recent end at most once per epoch of max/2 insertions: an
  // entry used in every epoch can never be evicted, and most hits skip the move.
  const epochSize = Math.max(1, Math.floor(max / 2));
  let inserted = 0;
  let epoch = 0;
  // One reply buffer reused by every call (tiers have at most 16 windows).
  const reply = new Float64Array(REPLY_HEADER + 3 * 16);
  // The evaluator of the plan used last: most calls use the same plan as the one before.
  let lastPlan: TierPlan | undefined;
  let lastEvaluator: MemoryEvaluator | undefined;

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
    let entry = index.get(subject);
    if (entry !== undefined && entry.epoch !== epoch && operation !== 2) {
      entries.get(subject);
      entry.epoch = epoch;
    }
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
        reused.epoch = epoch;
        entry = reused;
      } else
        entry = {
          layout: plan.layout,
          state: emptyState(count),
          held: 0,
          nextExpiry: 0,
          holds: undefined,
          others: undefined,
          epoch,
        };
      // A peek must not make unknown subjects take room.
      if (operation !== 2) {
        entries.set(subject, entry);
        index.set(subject, entry);
        if (++inserted >= epochSize) {
          inserted = 0;
          epoch++;
        }
      }
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
    const holding = operation === 0 && tokens > 0 && holdId !== '';
    if (plan !== lastPlan) {
      lastPlan = plan;
      lastEvaluator = memoryEvaluator(plan);
    }
    const allowed = (lastEvaluator as MemoryEvaluator)(
      state,
      now,
      operation,
      cost,
      tokens,
      entry.held,
      holding,
      reply,
    );
    reply[3] = settled;
    if (allowed === 1 && holding) {
      const expiresAt = now + plan.reservationTtlMs;
      entry.holds ??= new Map();
      entry.holds.set(holdId, { amount: tokens, expiresAt });
      entry.held += tokens;
      if (entry.nextExpiry === 0 || expiresAt < entry.nextExpiry) entry.nextExpiry = expiresAt;
    }
    return reply;
  }

  return {
    local: true,
    execute,
    executeSync: execute,
    reset(subject) {
      entries.delete(subject);
    },
    clear() {
      entries.clear();
      index.clear();
    },
    get size() {
      return entries.size;
    },
    max,
  };
}
