import type { BreakerState } from './breaker-state.js';
import { type CircuitOpenError, createCircuitOpenError } from './circuit-open-error.js';

/**
 * A refused call, as a value. `error` is built on first access, so checking `ok` and
 * `retryAfterMs` on a hot path allocates no Error and captures no stack.
 */
export interface BreakerRejection {
  /** Always `false`: the call may not run. */
  readonly ok: false;
  /** Always `true`: the breaker refused the call without running it. */
  readonly rejected: true;
  /** The refusal as an error, built on first access. */
  readonly error: CircuitOpenError;
  /** How long to wait before calling again, in milliseconds. */
  readonly retryAfterMs: number;
}

/** @internal */
export class Rejection implements BreakerRejection {
  readonly ok = false as const;
  readonly rejected = true as const;
  private cached: CircuitOpenError | undefined;

  constructor(
    private readonly breakerName: string,
    private readonly state: BreakerState,
    readonly retryAfterMs: number,
  ) {}

  get error(): CircuitOpenError {
    this.cached ??= createCircuitOpenError({
      breakerName: this.breakerName,
      state: this.state,
      retryAfterMs: this.retryAfterMs,
    });
    return this.cached;
  }
}
