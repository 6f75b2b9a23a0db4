import type { Identity } from './identity.js';
import type { Problem } from './problem.js';

/** A token reservation held for one model call, settled when its stream ends. */
export interface HeldReservation {
  readonly ok: true;
  /** Rate-limit headers describing the token policy after the reservation. */
  readonly headers: Readonly<Record<string, string>>;
  /** Charges what the call really used (more than reserved is charged too). */
  commit(usedTokens: number): Promise<void>;
  /** Gives the whole reservation back (the call used nothing). */
  release(): Promise<void>;
}

/** A reservation the tier's token budget cannot cover: a 429. */
export interface RefusedReservation {
  readonly ok: false;
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reserves AI tokens against a caller's daily budget before a model call. */
export interface TokenBudget {
  /**
   * Takes no signal on purpose: once the store may have made the hold, only commit or
   * release may end it (a caller that goes away releases it after the call resolves).
   */
  reserve(identity: Identity, tokens: number): Promise<HeldReservation | RefusedReservation>;
}
