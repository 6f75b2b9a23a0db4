import type { PolicyDecision, RateLimitDecision } from './rate-limit-decision.js';
import type { HoldOutcome } from './rate-limit-store.js';

export type { HoldOutcome };

/** What settling a {@link TokenReservation} did. */
export interface ReservationSettlement {
  /** Tokens the reservation held. */
  readonly reservedTokens: number;
  /** Tokens charged: the actual usage for a commit, 0 for a release. */
  readonly actualTokens: number;
  /**
   * What the store found: `'settled'` (the hold was dropped now), `'expired'` (the hold had
   * expired or its store lost it: a commit still charged the actual tokens, a release had
   * nothing left to free), or `'already-settled'` (an earlier commit or release of this
   * reservation reached the store, e.g. one whose signal aborted after sending it: nothing
   * was charged this time).
   */
  readonly hold: HoldOutcome;
  /** The windows after settling (empty when nothing had to be stored). */
  readonly policies: readonly PolicyDecision[];
}

/** Options of {@link TokenReservation.commit} and {@link TokenReservation.release}. */
export interface SettleOptions {
  readonly signal?: AbortSignal | undefined;
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
   * `actualTokens` must be an integer from 0 to `Number.MAX_SAFE_INTEGER`, else it rejects with
   * `InvalidUsageError` and nothing changes. It is safe to retry after a rejection (an abort, a
   * store timeout): the store applies one settle per reservation, so a retry never charges
   * twice. Rejects with `ReservationSettledError` once a commit or release has succeeded.
   */
  commit(actualTokens: number, options?: SettleOptions): Promise<ReservationSettlement>;
  /**
   * Drops the hold without charging anything. A no-op once settled, and after a commit that
   * reached the store.
   */
  release(options?: SettleOptions): Promise<ReservationSettlement>;
}
