import type { TierPlan } from './tier-plan.js';

/**
 * What a store is asked to do, atomically, across every window of a plan:
 * - `0` consume: admit `cost` requests and hold `tokens` tokens only if every window has room;
 * - `1` settle: drop the hold `holdId` (which held `cost` tokens) and charge `tokens` actual tokens;
 * - `2` peek: report the windows without changing them.
 */
export type StoreOperation = 0 | 1 | 2;

/** {@link StoreOperation} codes by name. */
export const STORE_OPERATION = { consume: 0, settle: 1, peek: 2 } as const;

/**
 * A store's answer, a flat list of numbers (no objects, so Redis replies need no transform):
 *
 * `[allowed (1|0), now (store clock, epoch ms), heldTokens, holdSettled (1|0), divisor,`
 * then per window: `remaining, resetAt, retryAfterMs (0 when the window has room)]`, where
 * `divisor` is the plan's (a fallback store decides on limits divided by its instance count).
 *
 * A synchronous reply may be a buffer the store reuses: read it before the next store call.
 */
export type StoreReply = ArrayLike<number>;

/** Index of the first window triple in a {@link StoreReply}. */
export const REPLY_HEADER = 5;

/** Status announced by stores that switch between a primary and a fallback. */
export type StoreStatusEvent =
  | { readonly type: 'fallback-engaged'; readonly error: unknown }
  | { readonly type: 'fallback-recovered' };

/**
 * The arguments of one store operation: the subject's key, the tier's compiled plan, what to
 * do, the request cost, the tokens to hold or settle, and the hold's id.
 */
export type StoreCall = [
  subject: string,
  plan: TierPlan,
  operation: StoreOperation,
  cost: number,
  tokens: number,
  holdId: string,
];

/**
 * Counter storage for a rate limiter. `createMemoryStore`, `createRedisStore` and
 * `createFallbackStore` implement it, and one contract test suite runs against each.
 */
export interface RateLimitStore {
  /**
   * Runs one operation atomically over every window of `plan` for `subject`.
   * Must never consume anything in any window when the answer is a denial.
   */
  execute(...call: StoreCall): StoreReply | Promise<StoreReply>;
  /**
   * The same operation as {@link RateLimitStore.execute}, on a store that always answers
   * synchronously (the memory store). Its presence is what lets `limiter.limitSync()` decide
   * without a promise; a store that may answer later (Redis, a fallback wrapper) leaves it out.
   */
  executeSync?(...call: StoreCall): StoreReply;
  /** Forgets every window and hold of `subject`. */
  reset(subject: string): void | Promise<void>;
  /**
   * True when the store answers synchronously from process memory, so a local cache of
   * blocked keys would save nothing.
   */
  readonly local?: boolean;
  /**
   * Whether the store can answer right now (for Redis: the connection is `ready`). A fallback
   * store skips a primary that says no instead of queueing calls behind a reconnect.
   */
  isReady?(): boolean;
  /** Checks that the store answers (a fallback store's recovery probe). */
  probe?(): Promise<void>;
  /** Subscribes to fallback switches; returns the unsubscribe function. */
  onStatusChange?(listener: (event: StoreStatusEvent) => void): () => void;
}
