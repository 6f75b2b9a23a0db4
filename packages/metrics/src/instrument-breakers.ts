import { type Metrics, metricsInternals } from './create-metrics.js';

/** `stateChange` payload of a breaker registry (`@breakwater/circuit-breaker`). */
export interface BreakerStateChangeEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** State before the transition (`CLOSED`, `OPEN`, …). */
  readonly from: string;
  /** State after the transition. */
  readonly to: string;
}

/** Payload of a breaker registry's call events: `success`, `failure`, `rejected`, `ignored`, `slowCall`. */
export interface BreakerCallEvent {
  /** Name of the breaker. */
  readonly name: string;
}

/** The state part of a breaker snapshot. */
export interface BreakerStateSnapshot {
  /** Name of the breaker. */
  readonly name: string;
  /** `CLOSED`, `OPEN`, `HALF_OPEN`, `FORCED_OPEN` or `DISABLED`. */
  readonly state: string;
}

/** Breaker call events, each counted under its own result. */
export type BreakerCallEventName = 'success' | 'failure' | 'rejected' | 'ignored' | 'slowCall';

/**
 * What {@link instrumentBreakers} needs from a breaker registry: its events and `list()`.
 * `createBreakerRegistry()` of `@breakwater/circuit-breaker` fits.
 */
export interface BreakerRegistryLike {
  /** Subscribes to state changes. */
  on(event: 'stateChange', listener: (event: BreakerStateChangeEvent) => void): unknown;
  /** Subscribes to call outcomes. */
  on(event: BreakerCallEventName, listener: (event: BreakerCallEvent) => void): unknown;
  /** Unsubscribes from state changes. */
  off(event: 'stateChange', listener: (event: BreakerStateChangeEvent) => void): unknown;
  /** Unsubscribes from call outcomes. */
  off(event: BreakerCallEventName, listener: (event: BreakerCallEvent) => void): unknown;
  /** Every breaker's current state; read at scrape time. */
  list(): Iterable<BreakerStateSnapshot>;
}

/**
 * Binds a breaker registry to the metric set: `breakwater_circuit_breaker_state` is read from
 * `registry.list()` at every scrape; transitions, calls and slow calls are counted from events.
 * Returns a function that unsubscribes.
 *
 * @example
 * const stop = instrumentBreakers(metrics, breakers);
 * // on shutdown
 * stop();
 */
export function instrumentBreakers(metrics: Metrics, registry: BreakerRegistryLike): () => void {
  const internals = metricsInternals(metrics);
  if (
    typeof registry?.on !== 'function' ||
    typeof registry.off !== 'function' ||
    typeof registry.list !== 'function'
  ) {
    throw new TypeError('registry must have on(), off() and list()');
  }
  const onStateChange = (event: BreakerStateChangeEvent) =>
    internals.countBreakerTransition(event.name, event.from, event.to);
  const calls = (['success', 'failure', 'rejected', 'ignored'] as const).map(
    (result) =>
      [result, (event: BreakerCallEvent) => metrics.recordBreakerCall(event.name, result)] as const,
  );
  const onSlowCall = (event: BreakerCallEvent) => internals.countBreakerSlowCall(event.name);

  registry.on('stateChange', onStateChange);
  for (const [result, listener] of calls) registry.on(result, listener);
  registry.on('slowCall', onSlowCall);
  const removeStates = internals.addBreakerStates(() => registry.list());

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    registry.off('stateChange', onStateChange);
    for (const [result, listener] of calls) registry.off(result, listener);
    registry.off('slowCall', onSlowCall);
    removeStates();
  };
}
