import { type Metrics, metricsInternals } from './metrics.js';

/** Response-cache events counted by {@link instrumentCache}. */
export type ResponseCacheEventName = 'hit' | 'miss' | 'set' | 'evict';

/** What {@link instrumentCache} needs from a response cache: its events and its size. */
export interface ResponseCacheSource {
  /** Subscribes to a cache event. */
  on(event: ResponseCacheEventName, listener: () => void): unknown;
  /** Unsubscribes from a cache event. */
  off(event: ResponseCacheEventName, listener: () => void): unknown;
  /** Keys held now; read at scrape time. */
  readonly size: number;
}

/** Options for {@link instrumentCache}. */
export interface InstrumentCacheOptions {
  /** The `cache` label of this cache's series. @default 'response' */
  readonly name?: string;
}

/**
 * Binds a response cache to the metric set: hits, misses, sets and evictions from events,
 * and `breakwater_response_cache_keys` from `cache.size` at every scrape. Returns a function
 * that unsubscribes.
 *
 * @example
 * const stop = instrumentCache(metrics, responseCache);
 */
export function instrumentCache(
  metrics: Metrics,
  cache: ResponseCacheSource,
  options: InstrumentCacheOptions = {},
): () => void {
  const internals = metricsInternals(metrics);
  const { name = 'response' } = options;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (typeof cache?.on !== 'function' || typeof cache.off !== 'function') {
    throw new TypeError('cache must have on(), off() and size');
  }
  const listeners = (['hit', 'miss', 'set', 'evict'] as const).map(
    (event) => [event, () => metrics.recordCacheEvent(event, name)] as const,
  );
  for (const [event, listener] of listeners) cache.on(event, listener);
  const removeSize = internals.addCacheSize(name, () => {
    const size = cache.size;
    return Number.isFinite(size) && size >= 0 ? size : 0;
  });

  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const [event, listener] of listeners) cache.off(event, listener);
    removeSize();
  };
}
