/** The state of one breaker as the shared store sees it across instances. */
export type SharedBreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'FORCED_OPEN' | 'DISABLED';

/** One read of a breaker's shared state. */
export interface SharedBreakerView {
  /** The shared state. */
  readonly state: SharedBreakerState;
  /**
   * Milliseconds until the shared open period ends (`OPEN`), or until the probe lease
   * expires (`HALF_OPEN`); 0 otherwise.
   */
  readonly remainingMs: number;
  /**
   * Whether this instance holds the cluster-wide probe lease (`HALF_OPEN`), or, in `OPEN`,
   * the first probe after the open period (it opened the shared circuit).
   */
  readonly probeOwner: boolean;
  /**
   * With `probeOwner` in `OPEN`: for how many milliseconds from now this instance may start
   * that first probe without asking the store again. Absent: it always asks.
   */
  readonly reservedMs?: number | undefined;
  /** How many distinct instances currently vote the circuit open. */
  readonly votes: number;
}

/**
 * Shares breaker state across processes. A breaker calls it only on transitions (never
 * per call); every method resolves with `undefined` instead of rejecting when the store
 * is unreachable, and the breaker then carries on with its local state.
 *
 * The rule against one bad instance: an instance's own failures open only its own
 * breaker; the shared circuit opens when `quorum` distinct instances voted it open within
 * the vote window. See `createRedisBreakerStore`.
 */
export interface BreakerStateStore {
  /** Identifies this process among the instances sharing the store. */
  readonly instanceId: string;
  /**
   * Starts following a breaker: `onView` receives the shared state at every sync.
   * @returns a function that stops following.
   */
  attach(name: string, onView: (view: SharedBreakerView) => void): () => void;
  /** Votes the circuit open because this instance's own calls tripped it. */
  reportOpen(name: string, openMs: number): Promise<SharedBreakerView | undefined>;
  /**
   * Asks for the cluster-wide probe lease for `leaseMs`. Granted when the view says
   * `probeOwner`, or when the shared state is `CLOSED` (the trip was local only).
   */
  acquireProbe(name: string, leaseMs: number): Promise<SharedBreakerView | undefined>;
  /** Reports how this instance's probes ended; closes or reopens the shared circuit if it held the lease. */
  reportProbeResult(
    name: string,
    closed: boolean,
    openMs: number,
  ): Promise<SharedBreakerView | undefined>;
  /** Sets an operator override for every instance (`CLOSED` clears the shared state). */
  override(
    name: string,
    state: 'CLOSED' | 'FORCED_OPEN' | 'DISABLED',
  ): Promise<SharedBreakerView | undefined>;
}
