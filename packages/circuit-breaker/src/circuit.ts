import type { Permit } from './breaker-permit.js';

/**
 * The breaker's state with the data only that state has. Every transition makes a new object,
 * so a call counts only while the circuit it was admitted in is still the current one.
 * @internal
 */
export type Circuit =
  | ClosedCircuit
  | OpenCircuit
  | HalfOpenCircuit
  | ForcedOpenCircuit
  | DisabledCircuit;

/** Calls flow and their outcomes are recorded. @internal */
export interface ClosedCircuit {
  readonly state: 'CLOSED';
}

/** Calls are rejected until `openUntil`. @internal */
export interface OpenCircuit {
  readonly state: 'OPEN';
  /** When the circuit opened, in epoch milliseconds. */
  readonly openedAt: number;
  /** When probes may start, in epoch milliseconds (moved when the shared state says so). */
  openUntil: number;
  /** How many times the circuit opened since it was last closed, this time included. */
  readonly openCount: number;
  /** The shared circuit is open: this one probes only with the store's lease and closes with it. */
  followsStore: boolean;
  /** Until when this instance may start the shared circuit's first probe without asking. */
  reservedUntil: number;
}

/** A few probe calls test recovery; the rest are rejected. @internal */
export interface HalfOpenCircuit {
  readonly state: 'HALF_OPEN';
  /** When the circuit last opened. */
  readonly openedAt: number;
  /** Carried over from OPEN: a failed probe opens the circuit for the next open count. */
  readonly openCount: number;
  /** The probes running now. */
  readonly probes: Set<Permit>;
  /** Probes that succeeded so far. */
  successes: number;
  /** This instance holds the store's cluster-wide probe lease. */
  readonly holdsLease: boolean;
}

/** An operator holds the circuit open. @internal */
export interface ForcedOpenCircuit {
  readonly state: 'FORCED_OPEN';
  /** When it was forced open. */
  readonly openedAt: number;
  /** The override came from the shared store rather than from this instance. */
  fromStore: boolean;
}

/** An operator switched the breaker off: calls run and nothing is recorded. @internal */
export interface DisabledCircuit {
  readonly state: 'DISABLED';
  /** The override came from the shared store rather than from this instance. */
  fromStore: boolean;
}
