/**
 * The only module that touches prom-client at runtime: registry and metric construction and
 * cluster aggregation. Moving to prom-client's successor (`@prometheus-io/client`, where
 * `AggregatorRegistry` becomes `ClusterRegistry`) is a change to this file alone.
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricDefinition } from './metric-definitions.js';

export type { Registry } from 'prom-client';

/** A prom-client counter, gauge or histogram with string label names. */
export type Instrument = Counter<string> | Gauge<string> | Histogram<string>;

/** A new, empty registry in the Prometheus text format (never the global registry). */
export function createRegistry(): Registry {
  return new Registry();
}

/** Whether `value` is a prom-client registry (of this copy of prom-client). */
export function isRegistry(value: unknown): value is Registry {
  return value instanceof Registry;
}

/** How {@link createInstrument} builds one metric. */
export interface InstrumentSpec {
  readonly definition: MetricDefinition;
  readonly name: string;
  readonly labelNames: readonly string[];
  readonly registry: Registry;
  readonly buckets?: readonly number[];
  /** Runs at scrape time, before the values are read (point-in-time gauges). */
  readonly collect?: () => void;
}

/** Creates one metric of the set on `spec.registry`, with its cluster aggregator. */
export function createInstrument(spec: InstrumentSpec): Instrument {
  const { definition, collect } = spec;
  const configuration = {
    name: spec.name,
    help: definition.help,
    labelNames: [...spec.labelNames],
    registers: [spec.registry],
    aggregator: definition.aggregator,
    ...(collect ? { collect } : {}),
  };
  switch (definition.type) {
    case 'counter':
      return new Counter(configuration);
    case 'gauge':
      return new Gauge(configuration);
    case 'histogram':
      return new Histogram({ ...configuration, buckets: [...(spec.buckets ?? [])] });
  }
}

/** The Prometheus text exposition content type. */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Something a /metrics endpoint can serve: a registry, a `Metrics`, or a cluster aggregator. */
export interface MetricsSource {
  /** The exposition text. */
  metrics(): Promise<string>;
  /** Its content type. */
  readonly contentType: string;
}

/**
 * In the cluster primary: a source that asks every worker for its registries and merges them,
 * each metric with its own aggregator (`sum` or `max`).
 */
export function createClusterAggregatorSource(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return {
    metrics: () => aggregator.clusterMetrics(),
    contentType: aggregator.contentType,
  };
}

/** In a cluster worker: answer the primary's metric requests with `registries`. */
export function exposeRegistriesToPrimary(registries: readonly Registry[]): void {
  // Constructing an AggregatorRegistry installs the worker's IPC listener (client_js#501).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([...registries]);
}
