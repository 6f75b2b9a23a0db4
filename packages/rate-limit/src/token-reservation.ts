import type { PolicyDecision, RateLimitDecision } from './rate-limit-decision.js';

/** What settling a {@link TokenReservation} did. */
export interface ReservationSettlement {
  /** Tokens the reservation held. */
  readonly reservedTokens: number;
  /** Tokens charged: the actual usage for a commit, 0 for a release. */
  readonly actualTokens: number;
  /**
   * True when the hold had already expired (or its store lost it): a commit still charged the
   * actual tokens, a release had nothing left to free.
   */
  readonly holdExpired: boolean;
  /** The windows after settling (empty when nothing had to be stored). */
  readonly policies: readonly PolicyDecision[];
}

/** Options of {@link TokenReservation.commit} and {@link TokenReservation.release}. */
export interface SettleOptions {
  readonly signal?: AbortSignal;
}

/**
 * AI tokens held for one model call, from `reserve()` until `commit()` or `release()`.
 * A hold that is never settled expires after the limiter's `reservationTtlMs` and frees its
 * tokens.
 */
export interface TokenReservation {
  /** Unique id of the hold. */
  readonly id: string;
  readonly key: string;
  readonly tier: string;
  /** The estimate asked for. */
  readonly requestedTokens: number;
  /** Tokens held: the estimate capped at the tier's token limit, 0 when denied. */
  readonly tokens: number;
  /** The decision for the request windows and the hold together. */
  readonly decision: RateLimitDecision;
  /** Same as `decision.allowed`. */
  readonly allowed: boolean;
  /** When an unsettled hold expires (store clock, epoch ms); 0 when nothing is held. */
  readonly expiresAt: number;
  /** Whether commit or release already ran. */
  readonly settled: boolean;
  /**
   * Drops the hold and charges the actual usage, even beyond the estimate or the limit (the
   * difference is charged, never lost). For a cancelled stream, commit the partial usage.
   * Rejects with ReservationSettledError when called twice.
   */
  commit(actualTokens: number, options?: SettleOptions): Promise<ReservationSettlement>;
  /** Drops the hold without charging anything. A no-op once settled. */
  release(options?: SettleOptions): Promise<ReservationSettlement>;
}
