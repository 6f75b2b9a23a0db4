import type { PolicyDecision } from './rate-limit-decision.js';
import type { TierPlan } from './tier-plan.js';

/**
 * What a store is asked to do, atomically, across every window of a tier:
 * - `consume`: admit `cost` requests and hold `tokens` tokens, only if every window has room;
 * - `settle`: drop the hold `holdId` (which held `cost` tokens) and charge `tokens` actual
 *   tokens, once: settling the same hold again changes nothing;
 * - `peek`: report the windows without changing them.
 */
export type StoreOperation = 'consume' | 'settle' | 'peek';

/** One store operation, by name. */
export interface StoreRequest {
  /** The subject's key (a user id, an API key…). */
  readonly subject: string;
  /** The tier, compiled. */
  readonly plan: TierPlan;
  readonly operation: StoreOperation;
  /** Request units to consume; for `settle`, the tokens the hold held. */
  readonly cost: number;
  /** Tokens to hold (`consume`) or to charge (`settle`). */
  readonly tokens: number;
  /** The hold's id; '' when the operation makes or settles no hold. */
  readonly holdId: string;
}

/** How a `settle` found its hold. */
export type HoldOutcome =
  /** The hold was there and is now dropped. */
  | 'settled'
  /** The hold had expired (or never existed): the tokens were still charged. */
  | 'expired'
  /** The hold was settled before: nothing was charged this time. */
  | 'already-settled';

/** A store's answer. */
export interface StoreReply {
  /** Whether the operation was admitted (and applied). */
  readonly allowed: boolean;
  /** The store's clock when it decided (epoch ms): the Redis server's for Redis. */
  readonly now: number;
  /** Tokens the subject's open holds keep after the operation. */
  readonly heldTokens: number;
  /** What a `settle` found; `'settled'` for the other operations. */
  readonly hold: HoldOutcome;
  /** Every window after the operation, in the tier's order. */
  readonly policies: readonly PolicyDecision[];
}

/** Status announced by stores that switch between a primary and a fallback. */
export type StoreStatusEvent =
  | { readonly type: 'fallback-engaged'; readonly error: unknown }
  | { readonly type: 'fallback-recovered' };

/** Options of {@link RateLimitStore.reset}. */
export interface StoreResetOptions {
  readonly signal?: AbortSignal | undefined;
}

/**
 * Counter storage for a rate limiter. `createMemoryStore`, `createRedisStore` and
 * `createFallbackStore` implement it, and one contract test suite runs against each.
 */
export interface RateLimitStore {
  /**
   * Runs one operation atomically over every window of the request's tier. Consumes nothing
   * anywhere when the answer is a denial. A remote store settles within its command timeout
   * and rejects with a typed error (`StoreTimeoutError`, `StoreUnavailableError`).
   */
  execute(request: StoreRequest): StoreReply | Promise<StoreReply>;
  /** Forgets every window and hold of `subject`. */
  reset(subject: string, options?: StoreResetOptions): void | Promise<void>;
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
  /**
   * Checks that the store answers for `subject` (the slot its keys live on, for Redis Cluster);
   * a fallback store's recovery probe.
   */
  probe?(subject: string): Promise<void>;
  /** Subscribes to fallback switches; returns the unsubscribe function. */
  onStatusChange?(listener: (event: StoreStatusEvent) => void): () => void;
}
