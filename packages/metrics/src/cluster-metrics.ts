import cluster from 'node:cluster';
import type { Metrics } from './metrics.js';
import {
  createClusterAggregatorSource,
  exposeRegistriesToPrimary,
  isRegistry,
  type MetricsSource,
  type Registry,
} from './prom-client-backend.js';

/**
 * In the node:cluster primary: a metrics source that collects every worker's registries and
 * merges them, each metric with its own aggregator (counters and histograms summed, gauges
 * summed or maxed as they mean). Serve it with any /metrics handler. A worker that does not
 * answer within 5 s fails the scrape.
 *
 * @example
 * if (cluster.isPrimary) {
 *   http.createServer(createNodeMetricsHandler(createClusterAggregator())).listen(9464);
 * }
 */
export function createClusterAggregator(): MetricsSource {
  if (!cluster.isPrimary) {
    throw new TypeError('createClusterAggregator() must run in the cluster primary');
  }
  return createClusterAggregatorSource();
}

/**
 * In a node:cluster worker: answer the primary's scrape requests with these metric sets
 * (or registries). Replaces any earlier call's list.
 *
 * @example
 * const metrics = createMetrics();
 * exposeToClusterPrimary(metrics);
 */
export function exposeToClusterPrimary(...sources: Array<Metrics | Registry>): void {
  if (!cluster.isWorker) {
    throw new TypeError('exposeToClusterPrimary() must run in a cluster worker');
  }
  if (sources.length === 0)
    throw new TypeError('exposeToClusterPrimary() needs at least one source');
  const registries = sources.map((source) => {
    const registry = isRegistry(source) ? source : source?.registry;
    if (!isRegistry(registry)) {
      throw new TypeError('sources must be Metrics from createMetrics() or prom-client Registries');
    }
    return registry;
  });
  exposeRegistriesToPrimary(registries);
}
