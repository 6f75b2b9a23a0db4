import { type Metrics, metricsInternals } from './metrics.js';

/** `acquired` payload of a concurrency limiter. The key is deliberately never read. */
export interface MetricsConcurrencyAcquiredEvent {
  /** How long the request waited for its slot, in milliseconds (0 when one was free). */
  readonly waitedMs: number;
}

/** `rejected` payload of a concurrency limiter. */
export interface MetricsConcurrencyRejectedEvent {
  /** Why no slot was granted: `limit`, `queue_full`, `timeout` or `aborted`. */
  readonly reason: string;
}

/**
 * What {@link instrumentConcurrency} needs from a concurrency limiter: its events. The
 * concurrency limiter of `@breakwater/rate-limit` fits.
 */
export interface ConcurrencyLimiterSource {
  /** Subscribes to granted slots. */
  on(event: 'acquired', listener: (event: MetricsConcurrencyAcquiredEvent) => void): unknown;
  /** Subscribes to refused slots. */
  on(event: 'rejected', listener: (event: MetricsConcurrencyRejectedEvent) => void): unknown;
  /** Subscribes to returned slots, slots lost to expiry, and store failures. */
  on(event: 'released' | 'lease-lost' | 'store-error', listener: () => void): unknown;
  /** Unsubscribes from granted slots. */
  off(event: 'acquired', listener: (event: MetricsConcurrencyAcquiredEvent) => void): unknown;
  /** Unsubscribes from refused slots. */
  off(event: 'rejected', listener: (event: MetricsConcurrencyRejectedEvent) => void): unknown;
  /** Unsubscribes from returned slots, slots lost to expiry, and store failures. */
  off(event: 'released' | 'lease-lost' | 'store-error', listener: () => void): unknown;
}

/** Options for {@link instrumentConcurrency}. */
export interface InstrumentConcurrencyOptions {
  /** The `limiter` label, to tell several concurrency limiters apart. @default 'concurrency' */
  readonly name?: string;
}

/**
 * Binds a concurrency limiter to the metric set: slots in flight
 * (`breakwater_concurrency_in_flight`), the wait for a slot
 * (`breakwater_concurrency_wait_seconds`), refusals by reason
 * (`breakwater_concurrency_rejections_total`), slots lost to lease expiry
 * (`breakwater_concurrency_leases_lost_total`) and store failures
 * (`breakwater_concurrency_store_errors_total`). The limiter's key (a user id or API key) is
 * never used as a label. Returns a function that unsubscribes; slots still held then leave the
 * in-flight gauge.
 *
 * @example
 * const stop = instrumentConcurrency(metrics, concurrency, { name: 'chat' });
 */
export function instrumentConcurrency(
  metrics: Metrics,
  limiter: ConcurrencyLimiterSource,
  options: InstrumentConcurrencyOptions = {},
): () => void {
  const internals = metricsInternals(metrics);
  const { name = 'concurrency' } = options;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (typeof limiter?.on !== 'function' || typeof limiter.off !== 'function') {
    throw new TypeError('limiter must have on() and off()');
  }
  // Slots this binding counted in, so unsubscribing takes exactly those out of the gauge.
  let held = 0;
  const onAcquired = (event: MetricsConcurrencyAcquiredEvent) => {
    held++;
    const waited = event.waitedMs;
    internals.concurrencyAcquired(
      name,
      typeof waited === 'number' && Number.isFinite(waited) && waited > 0 ? waited : 0,
    );
  };
  const onReleased = () => {
    // A slot acquired before the subscription is not in the gauge: never go below zero.
    if (held === 0) return;
    held--;
    internals.concurrencyReleased(name);
  };
  const onRejected = (event: MetricsConcurrencyRejectedEvent) =>
    internals.concurrencyRejected(
      name,
      typeof event.reason === 'string' && event.reason !== '' ? event.reason : 'unknown',
    );
  const onLeaseLost = () => internals.concurrencyLeaseLost(name);
  const onStoreError = () => internals.concurrencyStoreError(name);

  limiter.on('acquired', onAcquired);
  limiter.on('released', onReleased);
  limiter.on('rejected', onRejected);
  limiter.on('lease-lost', onLeaseLost);
  limiter.on('store-error', onStoreError);

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    limiter.off('acquired', onAcquired);
    limiter.off('released', onReleased);
    limiter.off('rejected', onRejected);
    limiter.off('lease-lost', onLeaseLost);
    limiter.off('store-error', onStoreError);
    for (; held > 0; held--) internals.concurrencyReleased(name);
  };
}
