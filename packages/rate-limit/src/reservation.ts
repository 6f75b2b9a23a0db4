import { InvalidUsageError } from './invalid-usage-error.js';
import type { RateLimitDecision } from './rate-limit-decision.js';
import { ReservationSettledError } from './reservation-settled-error.js';
import type { TierPlan } from './tier-plan.js';
import type {
  ReservationSettlement,
  SettleOptions,
  TokenReservation,
} from './token-reservation.js';

/** Sends one settle of a reservation to the store (the limiter's part). */
export type Settle = (
  reservation: Reservation,
  actualTokens: number,
  signal: AbortSignal | undefined,
) => Promise<ReservationSettlement>;

/** What a {@link Reservation} is made from. */
export interface ReservationInit {
  readonly id: string;
  readonly key: string;
  readonly plan: TierPlan;
  readonly requestedTokens: number;
  readonly tokens: number;
  readonly expiresAt: number;
  readonly decision: RateLimitDecision;
}

/** A {@link TokenReservation}: settles at most once; a failed settle may be retried. */
export class Reservation implements TokenReservation {
  readonly id: string;
  readonly key: string;
  readonly tier: string;
  readonly requestedTokens: number;
  readonly tokens: number;
  readonly expiresAt: number;
  readonly decision: RateLimitDecision;
  readonly plan: TierPlan;
  readonly #settle: Settle;
  /** True from the moment a settle starts until it fails; a success keeps it. */
  #settled = false;

  constructor(init: ReservationInit, settle: Settle) {
    this.id = init.id;
    this.key = init.key;
    this.plan = init.plan;
    this.tier = init.plan.tier;
    this.requestedTokens = init.requestedTokens;
    this.tokens = init.tokens;
    this.expiresAt = init.expiresAt;
    this.decision = init.decision;
    this.#settle = settle;
  }

  get allowed(): boolean {
    return this.decision.allowed;
  }

  get settled(): boolean {
    return this.#settled;
  }

  async commit(actualTokens: number, options?: SettleOptions): Promise<ReservationSettlement> {
    if (!Number.isSafeInteger(actualTokens) || actualTokens < 0)
      throw new InvalidUsageError('actualTokens', actualTokens);
    options?.signal?.throwIfAborted();
    if (this.#settled) throw new ReservationSettledError(this.id);
    return this.#run(actualTokens, options?.signal);
  }

  async release(options?: SettleOptions): Promise<ReservationSettlement> {
    options?.signal?.throwIfAborted();
    if (this.#settled)
      return {
        reservedTokens: this.tokens,
        actualTokens: 0,
        hold: 'already-settled',
        policies: [],
      };
    return this.#run(0, options?.signal);
  }

  async #run(actualTokens: number, signal: AbortSignal | undefined) {
    this.#settled = true;
    try {
      return await this.#settle(this, actualTokens, signal);
    } catch (error) {
      // The store may or may not have applied it: a retry is safe, the store settles once.
      this.#settled = false;
      throw error;
    }
  }
}
