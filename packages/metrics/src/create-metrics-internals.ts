/**
 * The internals of `createMetrics()`: what the instrument* bindings record through (see
 * {@link MetricsInternals}), beside the public recorders.
 */
import type { ScrapeSources } from './create-metrics-collectors.js';
import type { MetricInstruments } from './create-metrics-instruments.js';
import type { MetricLabels } from './create-metrics-labels.js';
import { checkMs } from './metric-checks.js';
import type { MetricsInternals, StreamLabels } from './metrics.js';

/** Creates the internals of one metric set, recording on `instruments` and filling `sources`. */
export function createMetricsInternals(
  metricLabels: MetricLabels,
  instruments: MetricInstruments,
  sources: ScrapeSources,
): MetricsInternals {
  const {
    withDefaults,
    noLabels,
    modelLabel,
    operationLabel,
    streamLabels,
    breakerLabel,
    stateLabel,
    tierLabel,
    reasonLabel,
    cacheLabel,
    limiterLabel,
  } = metricLabels;
  const {
    streamChunks,
    timePerOutputChunk,
    breakerTransitions,
    breakerSlowCalls,
    rateLimitNearLimit,
    fallbackActive,
    concurrencyInFlight,
    concurrencyWait,
    concurrencyRejections,
    concurrencyLeasesLost,
    concurrencyStoreErrors,
  } = instruments;
  const { breakerSources, cacheSizes, chunkFlushes } = sources;
  const engagedFallbacks = new Set<object>();

  function countStreamChunks(stream: StreamLabels, chunks: number, gapsMs: readonly number[]) {
    const labels = streamLabels(stream);
    streamChunks.inc(labels, chunks);
    if (gapsMs.length === 0) return;
    const timeLabels = withDefaults({
      gen_ai_operation_name: operationLabel(stream.operation ?? 'chat'),
      gen_ai_provider_name: labels.gen_ai_provider_name as string,
      gen_ai_request_model: labels.gen_ai_request_model as string,
    });
    for (const gapMs of gapsMs) {
      timePerOutputChunk.observe(timeLabels, checkMs('sincePreviousChunkMs', gapMs) / 1000);
    }
  }

  function countBreakerTransition(breaker: string, from: string, to: string): void {
    breakerTransitions.inc(
      withDefaults({ breaker: breakerLabel(breaker), from: stateLabel(from), to: stateLabel(to) }),
    );
  }

  return {
    countBreakerTransition,
    countBreakerSlowCall: (breaker) =>
      breakerSlowCalls.inc(withDefaults({ breaker: breakerLabel(breaker) })),
    countNearLimit: (tier) => rateLimitNearLimit.inc(withDefaults({ tier: tierLabel(tier) })),
    setFallbackEngaged(source, engaged) {
      if (engaged) engagedFallbacks.add(source);
      else engagedFallbacks.delete(source);
      fallbackActive.set(noLabels, engagedFallbacks.size > 0 ? 1 : 0);
    },
    addBreakerStates(list) {
      breakerSources.add(list);
      return () => {
        breakerSources.delete(list);
      };
    },
    addCacheSize(cache, size) {
      const name = cacheLabel(cache);
      let sizes = cacheSizes.get(name);
      if (!sizes) {
        sizes = new Set();
        cacheSizes.set(name, sizes);
      }
      sizes.add(size);
      return () => {
        sizes.delete(size);
        if (sizes.size === 0) cacheSizes.delete(name);
      };
    },
    modelLabel,
    countStreamChunks,
    addChunkFlush(flush) {
      chunkFlushes.add(flush);
      return () => {
        chunkFlushes.delete(flush);
      };
    },
    concurrencyAcquired(limiter, waitedMs) {
      const labels = withDefaults({ limiter: limiterLabel(limiter) });
      concurrencyInFlight.inc(labels);
      concurrencyWait.observe(labels, checkMs('waitedMs', waitedMs) / 1000);
    },
    concurrencyReleased: (limiter) =>
      concurrencyInFlight.dec(withDefaults({ limiter: limiterLabel(limiter) })),
    concurrencyRejected: (limiter, reason) =>
      concurrencyRejections.inc(
        withDefaults({ limiter: limiterLabel(limiter), reason: reasonLabel(reason) }),
      ),
    concurrencyLeaseLost: (limiter) =>
      concurrencyLeasesLost.inc(withDefaults({ limiter: limiterLabel(limiter) })),
    concurrencyStoreError: (limiter) =>
      concurrencyStoreErrors.inc(withDefaults({ limiter: limiterLabel(limiter) })),
  };
}
