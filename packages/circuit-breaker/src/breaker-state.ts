/**
 * The state of a circuit breaker.
 *
 * - `CLOSED`: calls flow and outcomes are recorded.
 * - `OPEN`: calls are rejected until the open duration has elapsed.
 * - `HALF_OPEN`: a few probe calls are admitted to test recovery; the rest are rejected.
 * - `FORCED_OPEN`: an operator holds the circuit open; every call is rejected.
 * - `DISABLED`: an operator switched the breaker off; every call flows and nothing is recorded.
 */
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'FORCED_OPEN' | 'DISABLED';

/** Why a breaker changed state, as carried by the `stateChange` event. */
export type StateChangeReason =
  /** `failureThreshold` consecutive failures. */
  | 'failure-threshold'
  /** The failure rate over the window reached `failureRateThreshold`. */
  | 'failure-rate'
  /** The window holds `failureCountThreshold` failures. */
  | 'failure-count'
  /** The slow-call rate over the window reached `slowCallRateThreshold`. */
  | 'slow-call-rate'
  /** The classifier asked to open at once (a 429 with Retry-After, by default). */
  | 'rate-limited'
  /** The open duration elapsed; probes may run. */
  | 'open-duration-elapsed'
  /** Enough probes succeeded. */
  | 'probes-succeeded'
  /** A probe failed. */
  | 'probe-failed'
  /** A probe was slower than `slowCallDurationMs`. */
  | 'probe-slow'
  /** A probe was neither settled nor finished within `probeTimeoutMs`. */
  | 'probe-timeout'
  /** `forceOpen()` was called. */
  | 'forced-open'
  /** `disable()` was called. */
  | 'disabled'
  /** `reset()` was called. */
  | 'reset'
  /** The shared state store reported the circuit open across instances. */
  | 'shared-open'
  /** The shared state store reported the circuit closed across instances. */
  | 'shared-close'
  /** An operator override arrived through the shared state store. */
  | 'shared-override';
