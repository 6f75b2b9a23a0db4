import type { BreakerState, StateChangeReason } from './breaker-state.js';

/** Payload of `stateChange`. */
export interface StateChangeEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** State before the transition. */
  readonly from: BreakerState;
  /** State after the transition. */
  readonly to: BreakerState;
  /** Why the breaker changed state. */
  readonly reason: StateChangeReason;
}

/** Payload of `success`: a call finished and counted as a success. */
export interface SuccessEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** Duration of the call in milliseconds (0 when nothing needed the time). */
  readonly durationMs: number;
}

/** Payload of `failure`: a call failed and counted against the dependency. */
export interface FailureEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** Duration of the call in milliseconds (0 when nothing needed the time). */
  readonly durationMs: number;
  /** What the call threw (or the permit was failed with). */
  readonly error: unknown;
}

/** Payload of `rejected`: the breaker refused a call without running it. */
export interface RejectedEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** State that refused the call: `OPEN`, `HALF_OPEN` (probes busy) or `FORCED_OPEN`. */
  readonly state: BreakerState;
  /** How long until calls are admitted again, in milliseconds. */
  readonly retryAfterMs: number;
}

/** Payload of `ignored`: a call failed with an error that counts as neither outcome. */
export interface IgnoredEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** What the call threw. */
  readonly error: unknown;
}

/** Payload of `slowCall`: a call took at least `slowCallDurationMs`. */
export interface SlowCallEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** Duration of the call in milliseconds. */
  readonly durationMs: number;
}

/** The events a breaker (and a registry, for all its breakers) emits. */
export interface BreakerEvents {
  /** The breaker changed state. */
  stateChange: (event: StateChangeEvent) => void;
  /** A call counted as a success. */
  success: (event: SuccessEvent) => void;
  /** A call counted as a failure. */
  failure: (event: FailureEvent) => void;
  /** A call was refused without running. */
  rejected: (event: RejectedEvent) => void;
  /** A call failed with an error that counts as neither outcome. */
  ignored: (event: IgnoredEvent) => void;
  /** A call took at least `slowCallDurationMs`. */
  slowCall: (event: SlowCallEvent) => void;
}
