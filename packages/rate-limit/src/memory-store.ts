import { LRUCache } from 'lru-cache';
import type { PolicyDecision } from './rate-limit-decision.js';
import type { HoldOutcome, RateLimitStore, StoreReply, StoreRequest } from './rate-limit-store.js';
import type { TierPlan } from './tier-plan.js';
import {
  charge,
  counterWithUsage,
  emptyCounter,
  resetAt,
  retryAfter,
  usedAt,
  type WindowCounter,
} from './window-counter.js';

/** Options for {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most subjects kept; the least recently used one is evicted beyond it, so memory stays flat
   * however many distinct keys arrive (an evicted subject starts again with empty windows).
   * @default 100_000
   */
  readonly max?: number | undefined;
  /**
   * Clock in epoch milliseconds.
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
}

/** A {@link RateLimitStore} in process memory, bounded by an LRU. */
export interface MemoryStore extends RateLimitStore {
  readonly local: true;
  /** Synchronous: the memory store never returns a promise. */
  execute(request: StoreRequest): StoreReply;
  reset(subject: string): void;
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
  /** A settled hold stays as a marker until it expires, so settling it again changes nothing. */
  readonly settled: boolean;
}

interface Subject {
  /** Tier layout of `counters`. */
  layout: string;
  counters: WindowCounter[];
  /** Counters of other layouts (a subject whose tier changed shape keeps both). */
  others: Map<string, WindowCounter[]> | undefined;
  /** Tokens held by open holds. */
  held: number;
  /** Earliest hold expiry, 0 when there is no hold. */
  nextExpiry: number;
  holds: Map<string, Hold> | undefined;
}

/** What the fallback store needs beyond the public memory store. */
export interface MemoryStoreInternals {
  /**
   * Gives `subject` counters that read `used` units per window of `plan`, unless it already
   * has counters for that tier layout.
   */
  seed(subject: string, plan: TierPlan, used: readonly number[]): void;
}

const internals = new WeakMap<MemoryStore, MemoryStoreInternals>();

/** The internals of a store made by {@link createMemoryStore}. @internal */
export function memoryStoreInternals(store: MemoryStore): MemoryStoreInternals | undefined {
  return internals.get(store);
}

/**
 * Creates a store that keeps counters in process memory; it runs the same algorithm as the
 * Lua script of {@link createRedisStore}.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? 100_000;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new RangeError(`max must be an integer ≥ 1, got ${max}`);
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function');
  const subjects = new LRUCache<string, Subject>({ max });

  function newSubject(plan: TierPlan): Subject {
    const counters = plan.windows.map(emptyCounter);
    return {
      layout: plan.layout,
      counters,
      others: undefined,
      held: 0,
      nextExpiry: 0,
      holds: undefined,
    };
  }

  function countersOf(subject: Subject, plan: TierPlan): WindowCounter[] {
    if (subject.layout === plan.layout) return subject.counters;
    subject.others ??= new Map();
    let counters = subject.others.get(plan.layout);
    if (counters === undefined) {
      counters = plan.windows.map(emptyCounter);
      subject.others.set(plan.layout, counters);
    }
    return counters;
  }

  function purgeExpiredHolds(subject: Subject, now: number): void {
    let next = 0;
    for (const [id, hold] of subject.holds ?? []) {
      if (hold.expiresAt <= now) {
        subject.holds?.delete(id);
        subject.held -= hold.amount;
      } else if (next === 0 || hold.expiresAt < next) next = hold.expiresAt;
    }
    subject.nextExpiry = next;
    if (next === 0 || subject.held < 0) subject.held = 0;
  }

  function addHold(subject: Subject, id: string, hold: Hold): void {
    subject.holds ??= new Map();
    subject.holds.set(id, hold);
    if (subject.nextExpiry === 0 || hold.expiresAt < subject.nextExpiry)
      subject.nextExpiry = hold.expiresAt;
  }

  /** Drops a hold once; a second settle of the same hold finds the marker and charges nothing. */
  function settleHold(subject: Subject, request: StoreRequest, now: number): HoldOutcome {
    const found = subject.holds?.get(request.holdId);
    if (found?.settled === true) return 'already-settled';
    if (found !== undefined) subject.held = Math.max(0, subject.held - found.amount);
    const expiresAt = now + request.plan.reservationTtlMs;
    addHold(subject, request.holdId, { amount: 0, expiresAt, settled: true });
    return found === undefined ? 'expired' : 'settled';
  }

  function execute(request: StoreRequest): StoreReply {
    const { plan, operation, cost, holdId } = request;
    const now = clock();
    let subject =
      operation === 'peek' ? subjects.peek(request.subject) : subjects.get(request.subject);
    if (subject === undefined) {
      subject = newSubject(plan);
      // A peek must not make unknown subjects take room.
      if (operation !== 'peek') subjects.set(request.subject, subject);
    }
    const counters = countersOf(subject, plan);
    if (subject.nextExpiry > 0 && subject.nextExpiry <= now) purgeExpiredHolds(subject, now);
    let tokens = request.tokens;
    let hold: HoldOutcome = 'settled';
    if (operation === 'settle' && holdId !== '') {
      hold = settleHold(subject, request, now);
      if (hold === 'already-settled') tokens = 0;
    }
    const consume = operation === 'consume';
    const held = subject.held;
    const requestNeed = consume ? cost : 1;
    const tokenNeed = held + (consume && tokens > 1 ? tokens : 1);
    const windows = plan.windows;
    const used: number[] = new Array(windows.length);
    let allowed = true;
    for (let index = 0; index < windows.length; index++) {
      const window = windows[index]!;
      const counter = counters[index]!;
      const isTokens = window.unit === 'tokens';
      used[index] = usedAt(window, counter, now);
      if (isTokens && operation === 'settle') {
        // Usage already happened: it is charged whatever the remaining quota.
        charge(window, counter, tokens, now);
        used[index] = used[index]! + tokens;
      }
      if (used[index]! + (isTokens ? tokenNeed : requestNeed) > window.limit) allowed = false;
    }
    const consumed = consume && allowed;
    const holding = consumed && tokens > 0 && holdId !== '';
    const heldAfter = holding ? held + tokens : held;
    if (holding) {
      subject.held = heldAfter;
      addHold(subject, holdId, {
        amount: tokens,
        expiresAt: now + plan.reservationTtlMs,
        settled: false,
      });
    }
    const policies: PolicyDecision[] = new Array(windows.length);
    for (let index = 0; index < windows.length; index++) {
      const window = windows[index]!;
      const counter = counters[index]!;
      const isTokens = window.unit === 'tokens';
      if (consumed && cost > 0 && !isTokens) {
        charge(window, counter, cost, now);
        used[index] = used[index]! + cost;
      }
      const need = isTokens ? tokenNeed : requestNeed;
      // A window with room reports no wait, even inside a denial by another window.
      const retry =
        !consumed && used[index]! + need > window.limit
          ? retryAfter(window, counter, need, now)
          : 0;
      policies[index] = {
        name: window.name,
        unit: window.unit,
        limit: window.limit,
        remaining: Math.max(
          0,
          Math.floor(window.limit - used[index]! - (isTokens ? heldAfter : 0)),
        ),
        windowMs: window.windowMs,
        resetAt: resetAt(window, counter, retry, now),
        allowed: retry === 0,
        retryAfterMs: retry,
      };
    }
    return { allowed, now, heldTokens: heldAfter, hold, policies };
  }

  const store: MemoryStore = {
    local: true,
    execute,
    reset(subject) {
      subjects.delete(subject);
    },
    clear() {
      subjects.clear();
    },
    get size() {
      return subjects.size;
    },
    max,
  };
  internals.set(store, {
    seed(subject, plan, used) {
      const now = clock();
      const counters = plan.windows.map((window, index) =>
        counterWithUsage(window, used[index] ?? 0, now),
      );
      const state = subjects.get(subject);
      if (state === undefined) subjects.set(subject, { ...newSubject(plan), counters });
      else if (state.layout !== plan.layout && !state.others?.has(plan.layout)) {
        state.others ??= new Map();
        state.others.set(plan.layout, counters);
      }
    },
  });
  return store;
}
