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

/** @internal */
export interface PermitOwner {
  settleSuccess(epoch: number, probe: boolean, startedAt: number): void;
  settleError(epoch: number, probe: boolean, startedAt: number, error: unknown): void;
  settleRelease(epoch: number, probe: boolean, startedAt: number): void;
}

/** @internal */
export class Permit implements BreakerPermit {
  readonly ok = true as const;
  private settled = false;

  constructor(
    private readonly owner: PermitOwner | undefined,
    private readonly epoch: number,
    private readonly probe: boolean,
    private readonly startedAt: number,
  ) {}

  success(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner?.settleSuccess(this.epoch, this.probe, this.startedAt);
  }

  failure(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.owner?.settleError(this.epoch, this.probe, this.startedAt, error);
  }

  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner?.settleRelease(this.epoch, this.probe, this.startedAt);
  }
}
