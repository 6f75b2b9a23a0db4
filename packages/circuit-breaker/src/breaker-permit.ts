import type { Circuit } from './circuit.js';

/**
 * Permission to run one call whose outcome is known later (a stream, a job). Settle it
 * exactly once; later calls are no-ops, so `finally { permit.release() }` is safe.
 */
export interface BreakerPermit {
  /** Always `true`: the call may run. */
  readonly ok: true;
  /** The call succeeded. */
  success(): void;
  /** The call failed with `error`; the breaker's classifier decides what it counts as. */
  failure(error: unknown): void;
  /** The call ended without an outcome (cancelled, not started): frees the slot, records nothing. */
  release(): void;
}

/** What records the outcome of an admitted call: the breaker's state machine. @internal */
export interface PermitOwner {
  recordSuccess(permit: Permit): void;
  recordError(permit: Permit, error: unknown): void;
  recordIgnored(permit: Permit, error: unknown): void;
  recordRelease(permit: Permit): void;
}

/** One admitted call, from admission to its single outcome. @internal */
export class Permit implements BreakerPermit {
  readonly ok = true as const;
  #settled = false;

  /**
   * @param owner - records the outcome.
   * @param admittedIn - the circuit the call was admitted in; a probe when it is HALF_OPEN.
   * @param startedAt - when the call started; `undefined` when nothing needs its duration.
   */
  constructor(
    private readonly owner: PermitOwner,
    readonly admittedIn: Circuit,
    readonly startedAt: number | undefined,
  ) {}

  success(): void {
    if (this.#settle()) this.owner.recordSuccess(this);
  }

  failure(error: unknown): void {
    if (this.#settle()) this.owner.recordError(this, error);
  }

  release(): void {
    if (this.#settle()) this.owner.recordRelease(this);
  }

  /** The caller gave up (its signal aborted): counts as neither outcome, emits `ignored`. */
  abandon(error: unknown): void {
    if (this.#settle()) this.owner.recordIgnored(this, error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
