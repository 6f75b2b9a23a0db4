/**
 * The instruments of `createMetrics()`: every metric of {@link METRIC_DEFINITIONS} registered
 * under its final name, and typed handles to them for the recorders.
 */
import type { Labels } from './create-metrics-labels.js';
import {
  DEFAULT_PREFIX,
  METRIC_DEFINITIONS,
  type MetricDefinition,
  type MetricKey,
  type MetricNames,
} from './metric-definitions.js';
import type { CacheEvent } from './metrics.js';
import { createInstrument, type Instrument, type Registry } from './prom-client-backend.js';

/** A registered counter, as the recorders use it. */
export type CounterLike = { inc(labels: Labels, value?: number): void; reset(): void };
/** A registered gauge, as the recorders use it. */
export type GaugeLike = {
  inc(labels: Labels, value?: number): void;
  dec(labels: Labels, value?: number): void;
  set(labels: Labels, value: number): void;
  reset(): void;
};
/** A registered histogram, as the recorders use it. */
export type HistogramLike = { observe(labels: Labels, value: number): void };

/** What {@link createMetricInstruments} needs to register the metric set. */
export interface MetricInstrumentsOptions {
  readonly registry: Registry;
  readonly prefix: string;
  /** Bucket boundaries per histogram key, replacing the defined ones. */
  readonly buckets: Partial<Record<MetricKey, readonly number[]>>;
  /** Label names added to every metric (the names of `defaultLabels`). */
  readonly defaultLabelNames: readonly string[];
  /** Scrape-time collectors by metric key. */
  readonly collectors: Partial<Record<MetricKey, () => void>>;
}

/** Typed handles to the registered metrics, named as the recorders use them. */
export interface MetricInstruments {
  readonly aiRequests: CounterLike;
  readonly aiCost: CounterLike;
  readonly aiUnpriced: CounterLike;
  readonly operationDuration: HistogramLike;
  readonly tokenUsage: HistogramLike;
  readonly timeToFirstChunk: HistogramLike;
  readonly timePerOutputChunk: HistogramLike;
  readonly streamChunks: CounterLike;
  readonly streamsActive: GaugeLike;
  readonly streamsCancelled: CounterLike;
  /** The response cache counters by cache event. */
  readonly cacheCounters: Record<CacheEvent, CounterLike>;
  readonly cacheKeys: GaugeLike;
  readonly httpRequests: CounterLike;
  readonly httpDuration: HistogramLike;
  readonly dbOperations: CounterLike;
  readonly dbDuration: HistogramLike;
  readonly websocketConnections: GaugeLike;
  readonly websocketMessages: CounterLike;
  readonly breakerState: GaugeLike;
  readonly breakerTransitions: CounterLike;
  readonly breakerCalls: CounterLike;
  readonly breakerSlowCalls: CounterLike;
  readonly aiRetries: CounterLike;
  readonly aiFailovers: CounterLike;
  readonly concurrencyInFlight: GaugeLike;
  readonly concurrencyWait: HistogramLike;
  readonly concurrencyRejections: CounterLike;
  readonly concurrencyLeasesLost: CounterLike;
  readonly concurrencyStoreErrors: CounterLike;
  readonly rateLimitDecisions: CounterLike;
  readonly rateLimitNearLimit: CounterLike;
  readonly fallbackActive: GaugeLike;
}

/**
 * Registers every metric of {@link METRIC_DEFINITIONS} on `options.registry`, in definition
 * order, and returns the final metric names with typed handles to the metrics.
 */
export function createMetricInstruments(options: MetricInstrumentsOptions): {
  readonly names: MetricNames;
  readonly instruments: MetricInstruments;
} {
  const { registry, prefix, buckets, defaultLabelNames, collectors } = options;
  const names = {} as Record<MetricKey, string>;
  const instruments = {} as Record<MetricKey, Instrument>;
  const definitions: readonly MetricDefinition[] = METRIC_DEFINITIONS;
  for (const definition of definitions) {
    const name = definition.semconv
      ? definition.name
      : prefix + definition.name.slice(DEFAULT_PREFIX.length);
    names[definition.key] = name;
    instruments[definition.key] = createInstrument({
      definition,
      name,
      labelNames: [...definition.labelNames, ...defaultLabelNames],
      registry,
      buckets: buckets[definition.key] ?? definition.buckets,
      collect: collectors[definition.key],
    });
  }
  Object.freeze(names);

  const counter = (key: MetricKey) => instruments[key] as unknown as CounterLike;
  const gauge = (key: MetricKey) => instruments[key] as unknown as GaugeLike;
  const histogram = (key: MetricKey) => instruments[key] as unknown as HistogramLike;
  return {
    names: names as MetricNames,
    instruments: {
      aiRequests: counter('aiRequests'),
      aiCost: counter('aiCost'),
      aiUnpriced: counter('aiUnpricedRequests'),
      operationDuration: histogram('operationDuration'),
      tokenUsage: histogram('tokenUsage'),
      timeToFirstChunk: histogram('timeToFirstChunk'),
      timePerOutputChunk: histogram('timePerOutputChunk'),
      streamChunks: counter('streamChunks'),
      streamsActive: gauge('streamsActive'),
      streamsCancelled: counter('streamsCancelled'),
      cacheCounters: {
        hit: counter('cacheHits'),
        miss: counter('cacheMisses'),
        set: counter('cacheSets'),
        evict: counter('cacheEvictions'),
      },
      cacheKeys: gauge('cacheKeys'),
      httpRequests: counter('httpRequests'),
      httpDuration: histogram('httpRequestDuration'),
      dbOperations: counter('dbOperations'),
      dbDuration: histogram('dbOperationDuration'),
      websocketConnections: gauge('websocketConnections'),
      websocketMessages: counter('websocketMessages'),
      breakerState: gauge('breakerState'),
      breakerTransitions: counter('breakerTransitions'),
      breakerCalls: counter('breakerCalls'),
      breakerSlowCalls: counter('breakerSlowCalls'),
      aiRetries: counter('aiRetries'),
      aiFailovers: counter('aiFailovers'),
      concurrencyInFlight: gauge('concurrencyInFlight'),
      concurrencyWait: histogram('concurrencyWait'),
      concurrencyRejections: counter('concurrencyRejections'),
      concurrencyLeasesLost: counter('concurrencyLeasesLost'),
      concurrencyStoreErrors: counter('concurrencyStoreErrors'),
      rateLimitDecisions: counter('rateLimitDecisions'),
      rateLimitNearLimit: counter('rateLimitNearLimit'),
      fallbackActive: gauge('rateLimitFallbackActive'),
    },
  };
}
