import { type Metrics, metricsInternals } from './metrics.js';

/** `stateChange` payload of a breaker registry (`@breakwater/circuit-breaker`). */
export interface MetricsBreakerStateChangeEvent {
  /** Name of the breaker. */
  readonly name: string;
  /** State before the transition (`CLOSED`, `OPEN`, …). */
  readonly from: string;
  /** State after the transition. */
  readonly to: string;
}

/** Payload of a breaker registry's call events: `success`, `failure`, `rejected`, `ignored`, `slowCall`. */
export interface MetricsBreakerCallEvent {
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
export type MetricsBreakerCallEventName =
  | 'success'
  | 'failure'
  | 'rejected'
  | 'ignored'
  | 'slowCall';

/** The events {@link instrumentBreakers} subscribes to, on a registry or a single breaker. */
export interface BreakerEventSource {
  /** Subscribes to state changes. */
  on(event: 'stateChange', listener: (event: MetricsBreakerStateChangeEvent) => void): unknown;
  /** Subscribes to call outcomes. */
  on(
    event: MetricsBreakerCallEventName,
    listener: (event: MetricsBreakerCallEvent) => void,
  ): unknown;
  /** Unsubscribes from state changes. */
  off(event: 'stateChange', listener: (event: MetricsBreakerStateChangeEvent) => void): unknown;
  /** Unsubscribes from call outcomes. */
  off(
    event: MetricsBreakerCallEventName,
    listener: (event: MetricsBreakerCallEvent) => void,
  ): unknown;
}

/**
 * What {@link instrumentBreakers} needs from a breaker registry: its events and `list()`.
 * `createBreakerRegistry()` of `@breakwater/circuit-breaker` fits.
 */
export interface BreakerRegistrySource extends BreakerEventSource {
  /** Every breaker's current state; read at scrape time. */
  list(): Iterable<BreakerStateSnapshot>;
}

/**
 * What {@link instrumentBreakers} needs from a single breaker: its events, `name` and `state`.
 * A breaker from `createCircuitBreaker()` of `@breakwater/circuit-breaker` fits.
 */
export interface BreakerSource extends BreakerEventSource {
  /** Name of the breaker, its `breaker` label. */
  readonly name: string;
  /** Current state; read at scrape time. */
  readonly state: string;
}

function isRegistry(
  source: BreakerRegistrySource | BreakerSource,
): source is BreakerRegistrySource {
  return typeof (source as { list?: unknown }).list === 'function';
}

/**
 * Binds a breaker registry, or a single breaker, to the metric set:
 * `breakwater_circuit_breaker_state` is read from `breakers.list()` (or the breaker's `name`
 * and `state`) at every scrape; transitions, calls and slow calls are counted from events.
 * Call it once per breaker for breakers made outside a registry. Returns a function that
 * unsubscribes.
 *
 * @example
 * const stop = instrumentBreakers(metrics, breakers);
 * // on shutdown
 * stop();
 */
export function instrumentBreakers(
  metrics: Metrics,
  breakers: BreakerRegistrySource | BreakerSource,
): () => void {
  const internals = metricsInternals(metrics);
  if (
    typeof breakers?.on !== 'function' ||
    typeof breakers.off !== 'function' ||
    !(
      isRegistry(breakers) ||
      (typeof (breakers as Partial<BreakerSource>).name === 'string' &&
        typeof (breakers as Partial<BreakerSource>).state === 'string')
    )
  ) {
    throw new TypeError(
      'breakers must be a breaker registry (on(), off(), list()) or a breaker (on(), off(), name, state)',
    );
  }
  const list: () => Iterable<BreakerStateSnapshot> = isRegistry(breakers)
    ? () => breakers.list()
    : () => [{ name: breakers.name, state: breakers.state }];
  const onStateChange = (event: MetricsBreakerStateChangeEvent) =>
    internals.countBreakerTransition(event.name, event.from, event.to);
  const calls = (['success', 'failure', 'rejected', 'ignored'] as const).map(
    (result) =>
      [
        result,
        (event: MetricsBreakerCallEvent) => metrics.recordBreakerCall(event.name, result),
      ] as const,
  );
  const onSlowCall = (event: MetricsBreakerCallEvent) => internals.countBreakerSlowCall(event.name);

  breakers.on('stateChange', onStateChange);
  for (const [result, listener] of calls) breakers.on(result, listener);
  breakers.on('slowCall', onSlowCall);
  const removeStates = internals.addBreakerStates(list);

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    breakers.off('stateChange', onStateChange);
    for (const [result, listener] of calls) breakers.off(result, listener);
    breakers.off('slowCall', onSlowCall);
    removeStates();
  };
}
