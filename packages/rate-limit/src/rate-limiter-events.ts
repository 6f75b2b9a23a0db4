import type { RateLimitDecision } from './rate-limit-decision.js';
import type { HoldOutcome } from './rate-limit-store.js';

/** Payload of `allowed` and `denied`. */
export interface RateLimitDecisionEvent {
  /** The subject key. */
  readonly key: string;
  /** The tier decided for. */
  readonly tier: string;
  /** Request units the call asked for (after endpoint multipliers). */
  readonly cost: number;
  /** The decision returned to the caller. */
  readonly decision: RateLimitDecision;
}

/** Payload of `near-limit`. */
export interface NearLimitEvent {
  readonly key: string;
  readonly tier: string;
  readonly decision: RateLimitDecision;
  /** Used share of the fullest window after this decision, between `nearLimitRatio` and 1. */
  readonly ratio: number;
}

/** Payload of `fallback-engaged`. */
export interface FallbackEngagedEvent {
  /** Why the primary store was left (its error, a StoreTimeoutError or a StoreNotReadyError). */
  readonly error: unknown;
}

/** Payload of `store-error`. */
export interface StoreErrorEvent {
  readonly key: string;
  readonly tier: string;
  /**
   * What failed: a `StoreTimeoutError`, `StoreUnavailableError` (the client's error is its
   * `cause`) or `StoreNotReadyError` from the Redis store; a decision then followed `failMode`.
   */
  readonly error: unknown;
}

/** Payload of `reservation-decided`. */
export interface ReservationDecidedEvent {
  readonly key: string;
  readonly tier: string;
  /** Request units the reservation counted (after endpoint multipliers); 0 for a pure hold. */
  readonly cost: number;
  /** The estimate asked for. */
  readonly requestedTokens: number;
  /** Tokens held: the estimate capped at the tier's token limit, 0 when refused. */
  readonly reservedTokens: number;
  /** The reservation's decision. */
  readonly decision: RateLimitDecision;
}

/** Payload of `reservation-settled`. */
export interface ReservationSettledEvent {
  readonly key: string;
  readonly tier: string;
  /** Tokens the reservation held (0 if it was denied). */
  readonly reservedTokens: number;
  /** Tokens charged (0 for a release). */
  readonly actualTokens: number;
  /** What the store found: the hold, an expired hold, or an earlier settle of it. */
  readonly hold: HoldOutcome;
}

/**
 * Events of a rate limiter (eventemitter3). `allowed` and `denied` count request decisions:
 * `limit()` and `reserve()` with a cost above 0 emit one of them; a pure token hold
 * (`reserve()` with cost 0, after the request was counted) emits `denied` only when refused.
 * In shadow mode a denial that was let through still emits `denied`, with
 * `decision.allowed === true` and `decision.shadow === true`.
 */
export interface RateLimiterEvents {
  allowed: (event: RateLimitDecisionEvent) => void;
  denied: (event: RateLimitDecisionEvent) => void;
  'near-limit': (event: NearLimitEvent) => void;
  'fallback-engaged': (event: FallbackEngagedEvent) => void;
  'fallback-recovered': (event: Record<string, never>) => void;
  'store-error': (event: StoreErrorEvent) => void;
  'reservation-decided': (event: ReservationDecidedEvent) => void;
  'reservation-settled': (event: ReservationSettledEvent) => void;
}
