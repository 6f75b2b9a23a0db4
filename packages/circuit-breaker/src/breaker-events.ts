import type { BreakerState, StateChangeReason } from './breaker-state.js';

/** Payload of `stateChange`. */
export interface StateChangeEvent {
  readonly name: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: StateChangeReason;
}

/** Payload of `success`: a call finished and counted as a success. */
export interface SuccessEvent {
  readonly name: string;
  /** Duration of the call in milliseconds (0 when nothing needed the time). */
  readonly durationMs: number;
}

/** Payload of `failure`: a call failed and counted against the dependency. */
export interface FailureEvent {
  readonly name: string;
  /** Duration of the call in milliseconds (0 when nothing needed the time). */
  readonly durationMs: number;
  readonly error: unknown;
}

/** Payload of `rejected`: the breaker refused a call without running it. */
export interface RejectedEvent {
  readonly name: string;
  readonly state: BreakerState;
  readonly retryAfterMs: number;
}

/** Payload of `ignored`: a call failed with an error that counts as neither outcome. */
export interface IgnoredEvent {
  readonly name: string;
  readonly error: unknown;
}

/** Payload of `slowCall`: a call took at least `slowCallDurationMs`. */
export interface SlowCallEvent {
  readonly name: string;
  readonly durationMs: number;
}

/** The events a breaker (and a registry, for all its breakers) emits. */
export interface BreakerEvents {
  stateChange: (event: StateChangeEvent) => void;
  success: (event: SuccessEvent) => void;
  failure: (event: FailureEvent) => void;
  rejected: (event: RejectedEvent) => void;
  ignored: (event: IgnoredEvent) => void;
  slowCall: (event: SlowCallEvent) => void;
}
