/**
 * The scrape-time side of `createMetrics()`: what the point-in-time gauges (breaker states,
 * cache keys) read when Prometheus scrapes, and the stream chunks flushed before every scrape.
 */
import type { MetricInstruments } from './create-metrics-instruments.js';
import type { MetricLabels } from './create-metrics-labels.js';
import type { MetricKey } from './metric-definitions.js';
import { BREAKER_STATE_LABELS } from './metrics.js';

/** What the collectors read at scrape time; the recorders and internals fill it. */
export interface ScrapeSources {
  /** The last state of each breaker recorded by name. */
  readonly breakerStates: Map<string, string>;
  /** Lists of breaker states, such as a breaker registry's, read at every scrape. */
  readonly breakerSources: Set<() => Iterable<{ name: string; state: string }>>;
  /** Key counts of the bound caches, by cache label. */
  readonly cacheSizes: Map<string, Set<() => number>>;
  /** Functions that record the stream chunks counted so far. */
  readonly chunkFlushes: Set<() => void>;
}

/** Empty scrape-time sources. */
export function createScrapeSources(): ScrapeSources {
  return {
    breakerStates: new Map<string, string>(),
    breakerSources: new Set<() => Iterable<{ name: string; state: string }>>(),
    cacheSizes: new Map<string, Set<() => number>>(),
    chunkFlushes: new Set<() => void>(),
  };
}

/**
 * The scrape-time collectors by metric key, reading `sources`. They are passed to the
 * instruments when those are created, so they reach the instruments through `instruments`,
 * which they call only at scrape time.
 */
export function createCollectors(
  sources: ScrapeSources,
  metricLabels: MetricLabels,
  instruments: () => MetricInstruments,
): Partial<Record<MetricKey, () => void>> {
  const { breakerStates, breakerSources, cacheSizes, chunkFlushes } = sources;
  const { withDefaults, breakerLabel, stateLabel } = metricLabels;
  // Streams counted by instrumentStreams record their chunks before any scrape reads them.
  const flushChunks = () => {
    for (const flush of chunkFlushes) flush();
  };
  return {
    streamChunks: flushChunks,
    timePerOutputChunk: flushChunks,
    breakerState: () => {
      const gauge = instruments().breakerState;
      gauge.reset();
      const current = new Map(breakerStates);
      for (const list of breakerSources) {
        for (const snapshot of list()) current.set(snapshot.name, snapshot.state);
      }
      for (const [name, state] of current) {
        const breaker = breakerLabel(name);
        const active = stateLabel(state);
        for (const candidate of BREAKER_STATE_LABELS) {
          gauge.set(withDefaults({ breaker, state: candidate }), candidate === active ? 1 : 0);
        }
        if (!(BREAKER_STATE_LABELS as readonly string[]).includes(active)) {
          gauge.set(withDefaults({ breaker, state: active }), 1);
        }
      }
    },
    cacheKeys: () => {
      const gauge = instruments().cacheKeys;
      gauge.reset();
      for (const [cache, sizes] of cacheSizes) {
        let total = 0;
        for (const size of sizes) total += size();
        gauge.set(withDefaults({ cache }), total);
      }
    },
  };
}
