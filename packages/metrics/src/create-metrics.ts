import { type CreateMetricsOptions, resolveMetricsOptions } from './create-metrics-options.js';
import {
  createBoundedLabel,
  createModelLabeler,
  OTHER_LABEL_VALUE,
  UNKNOWN_MODEL_LABEL_VALUE,
} from './label-guard.js';
import { checkMs, checkText, checkTokens } from './metric-checks.js';
import {
  DEFAULT_PREFIX,
  METRIC_DEFINITIONS,
  type MetricDefinition,
  type MetricKey,
  type MetricNames,
} from './metric-definitions.js';
import {
  type AiRequestStatus,
  attachInternals,
  BREAKER_STATE_LABELS,
  type CacheEvent,
  type FailedAttempt,
  type Metrics,
  type MetricsInternals,
  type StreamLabels,
} from './metrics.js';
import { createInstrument, type Instrument } from './prom-client-backend.js';

/** Common provider names mapped to their OpenTelemetry `gen_ai.provider.name` values. */
const PROVIDER_ALIASES = new Map([
  ['gemini', 'gcp.gemini'],
  ['google', 'gcp.gemini'],
  ['vertex', 'gcp.vertex_ai'],
  ['vertex_ai', 'gcp.vertex_ai'],
  ['bedrock', 'aws.bedrock'],
  ['azure', 'azure.ai.openai'],
  ['azure_openai', 'azure.ai.openai'],
]);
const BREAKER_CALL_RESULTS = new Set<string>(['success', 'failure', 'rejected', 'ignored']);
const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

type Labels = Record<string, string>;
type CounterLike = { inc(labels: Labels, value?: number): void; reset(): void };
type GaugeLike = {
  inc(labels: Labels, value?: number): void;
  dec(labels: Labels, value?: number): void;
  set(labels: Labels, value: number): void;
  reset(): void;
};
type HistogramLike = { observe(labels: Labels, value: number): void };

/**
 * Creates the Breakwater metric set on a prom-client registry: OpenTelemetry GenAI histograms,
 * AI requests and cost, response cache, WebSocket, circuit breaker, rate limit, stream, HTTP
 * and database metrics (see {@link METRIC_DEFINITIONS}).
 *
 * @example
 * const metrics = createMetrics();
 * metrics.recordAiRequest({
 *   provider: 'openai',
 *   model: 'gpt-4o',
 *   durationMs: 1840,
 *   usage: { inputTokens: 1200, outputTokens: 350 },
 * });
 * const text = await metrics.metrics();
 */
export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const {
    registry,
    prefix,
    buckets,
    allowModels,
    costCalculator,
    maxLabelValues,
    defaultLabels,
    defaultLabelNames,
  } = resolveMetricsOptions(options);
  const hasDefaultLabels = defaultLabelNames.length > 0;
  const constantLabels = { ...defaultLabels };
  const withDefaults: (labels: Labels) => Labels = hasDefaultLabels
    ? (labels) => Object.assign(labels, constantLabels)
    : (labels) => labels;

  const modelLabel = createModelLabeler(
    allowModels,
    (model) => costCalculator.resolve(model)?.model,
  );
  const bounded = () => createBoundedLabel(maxLabelValues);
  const boundedProvider = bounded();
  const providerLabel = (provider: string) =>
    boundedProvider(PROVIDER_ALIASES.get(provider) ?? provider);
  const operationLabel = bounded();
  const taskTypeLabel = bounded();
  const errorTypeLabel = bounded();
  const routeLabel = bounded();
  const tierLabel = bounded();
  const reasonLabel = bounded();
  const breakerLabel = bounded();
  const cancelReasonLabel = bounded();
  const cacheLabel = bounded();
  const dbSystemLabel = bounded();
  const dbOperationLabel = bounded();
  const breakerStateLabel = bounded();
  const limiterLabel = bounded();

  const breakerStates = new Map<string, string>();
  const breakerSources = new Set<() => Iterable<{ name: string; state: string }>>();
  const cacheSizes = new Map<string, Set<() => number>>();
  const engagedFallbacks = new Set<object>();

  const chunkFlushes = new Set<() => void>();
  // Streams counted by instrumentStreams record their chunks before any scrape reads them.
  const flushChunks = () => {
    for (const flush of chunkFlushes) flush();
  };
  const collectors: Partial<Record<MetricKey, () => void>> = {
    streamChunks: flushChunks,
    timePerOutputChunk: flushChunks,
    breakerState: () => {
      const gauge = instruments.breakerState as unknown as GaugeLike;
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
      const gauge = instruments.cacheKeys as unknown as GaugeLike;
      gauge.reset();
      for (const [cache, sizes] of cacheSizes) {
        let total = 0;
        for (const size of sizes) total += size();
        gauge.set(withDefaults({ cache }), total);
      }
    },
  };

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
      buckets:
        (buckets as Partial<Record<MetricKey, readonly number[]>>)[definition.key] ??
        definition.buckets,
      collect: collectors[definition.key],
    });
  }
  Object.freeze(names);

  const counter = (key: MetricKey) => instruments[key] as unknown as CounterLike;
  const gauge = (key: MetricKey) => instruments[key] as unknown as GaugeLike;
  const histogram = (key: MetricKey) => instruments[key] as unknown as HistogramLike;
  const aiRequests = counter('aiRequests');
  const aiCost = counter('aiCost');
  const aiUnpriced = counter('aiUnpricedRequests');
  const operationDuration = histogram('operationDuration');
  const tokenUsage = histogram('tokenUsage');
  const timeToFirstChunk = histogram('timeToFirstChunk');
  const timePerOutputChunk = histogram('timePerOutputChunk');
  const streamChunks = counter('streamChunks');
  const streamsActive = gauge('streamsActive');
  const streamsCancelled = counter('streamsCancelled');
  const cacheCounters: Record<CacheEvent, CounterLike> = {
    hit: counter('cacheHits'),
    miss: counter('cacheMisses'),
    set: counter('cacheSets'),
    evict: counter('cacheEvictions'),
  };
  const httpRequests = counter('httpRequests');
  const httpDuration = histogram('httpRequestDuration');
  const dbOperations = counter('dbOperations');
  const dbDuration = histogram('dbOperationDuration');
  const websocketConnections = gauge('websocketConnections');
  const websocketMessages = counter('websocketMessages');
  const breakerTransitions = counter('breakerTransitions');
  const breakerCalls = counter('breakerCalls');
  const breakerSlowCalls = counter('breakerSlowCalls');
  const aiRetries = counter('aiRetries');
  const aiFailovers = counter('aiFailovers');
  const concurrencyInFlight = gauge('concurrencyInFlight');
  const concurrencyWait = histogram('concurrencyWait');
  const concurrencyRejections = counter('concurrencyRejections');
  const concurrencyLeasesLost = counter('concurrencyLeasesLost');
  const concurrencyStoreErrors = counter('concurrencyStoreErrors');
  const rateLimitDecisions = counter('rateLimitDecisions');
  const rateLimitNearLimit = counter('rateLimitNearLimit');
  const fallbackActive = gauge('rateLimitFallbackActive');
  const noLabels = withDefaults({});
  if (hasDefaultLabels) {
    // Label-less series start at 0 only without labels; with constant labels, create them.
    websocketConnections.set(noLabels, 0);
    fallbackActive.set(noLabels, 0);
  }

  function stateLabel(state: string): string {
    return breakerStateLabel(String(state).toLowerCase());
  }

  function genAiLabels(provider: string, model: string, operation: string | undefined): Labels {
    checkText('provider', provider);
    checkText('model', model);
    return withDefaults({
      gen_ai_operation_name: operationLabel(operation ?? 'chat'),
      gen_ai_provider_name: providerLabel(provider),
      gen_ai_request_model: modelLabel(model),
    });
  }

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

  function streamLabels(stream: StreamLabels): Labels {
    checkText('provider', stream.provider);
    checkText('model', stream.model);
    return withDefaults({
      gen_ai_provider_name: providerLabel(stream.provider),
      gen_ai_request_model: modelLabel(stream.model),
    });
  }

  function failedAttemptLabels(attempt: FailedAttempt): Labels {
    const labels = genAiLabels(attempt.provider, attempt.model, attempt.operation);
    labels.error_type = errorTypeLabel(attempt.errorType ?? '_OTHER');
    return labels;
  }

  function countBreakerTransition(breaker: string, from: string, to: string): void {
    breakerTransitions.inc(
      withDefaults({ breaker: breakerLabel(breaker), from: stateLabel(from), to: stateLabel(to) }),
    );
  }

  const metrics: Metrics = {
    registry,
    names: names as MetricNames,
    costCalculator,
    get contentType() {
      return registry.contentType;
    },
    metrics: () => registry.metrics(),

    recordAiRequest(request) {
      const { provider, model, usage, errorType, timeToFirstChunkMs, durationMs } = request;
      const seconds =
        durationMs === undefined ? undefined : checkMs('durationMs', durationMs) / 1000;
      const status: AiRequestStatus =
        request.status ?? (errorType === undefined ? 'success' : 'error');
      const base = genAiLabels(provider, model, request.operation);
      const errorLabel =
        status === 'error'
          ? errorTypeLabel(errorType ?? '_OTHER')
          : status === 'cancelled'
            ? 'cancelled'
            : undefined;

      if (errorLabel === undefined) {
        aiRequests.inc({ ...base, status });
        if (seconds !== undefined) operationDuration.observe(base, seconds);
      } else {
        aiRequests.inc(
          status === 'error' ? { ...base, status, error_type: errorLabel } : { ...base, status },
        );
        if (seconds !== undefined)
          operationDuration.observe({ ...base, error_type: errorLabel }, seconds);
      }
      if (timeToFirstChunkMs !== undefined) {
        timeToFirstChunk.observe(base, checkMs('timeToFirstChunkMs', timeToFirstChunkMs) / 1000);
      }
      if (usage === undefined) return undefined;
      checkTokens('usage.inputTokens', usage.inputTokens);
      checkTokens('usage.outputTokens', usage.outputTokens);

      const price = costCalculator.resolve(model);
      const cost = price ? costCalculator.costAt(price, usage) : undefined;
      tokenUsage.observe({ ...base, gen_ai_token_type: 'input' }, usage.inputTokens);
      tokenUsage.observe({ ...base, gen_ai_token_type: 'output' }, usage.outputTokens);
      const taskType = taskTypeLabel(request.taskType ?? 'default');
      if (cost === undefined) {
        costCalculator.announceUnknown(model);
        aiUnpriced.inc(
          withDefaults({
            gen_ai_provider_name: base.gen_ai_provider_name as string,
            gen_ai_request_model: UNKNOWN_MODEL_LABEL_VALUE,
            task_type: taskType,
          }),
        );
      } else {
        aiCost.inc(
          withDefaults({
            gen_ai_provider_name: base.gen_ai_provider_name as string,
            gen_ai_request_model: base.gen_ai_request_model as string,
            task_type: taskType,
          }),
          cost,
        );
      }
      return cost;
    },

    recordAiRetry(attempt) {
      aiRetries.inc(failedAttemptLabels(attempt));
    },

    recordAiFailover(attempt) {
      aiFailovers.inc(failedAttemptLabels(attempt));
    },

    recordStreamStart(stream) {
      streamsActive.inc(streamLabels(stream));
    },

    recordStreamChunk(chunk) {
      const gaps = chunk.sincePreviousChunkMs === undefined ? [] : [chunk.sincePreviousChunkMs];
      countStreamChunks(chunk, 1, gaps);
    },

    recordStreamEnd(stream) {
      const labels = streamLabels(stream);
      streamsActive.dec(labels);
      if (stream.outcome === 'cancelled') {
        streamsCancelled.inc({
          ...labels,
          reason: cancelReasonLabel(stream.reason ?? 'unspecified'),
        });
      }
    },

    recordCacheEvent(event, cache = 'response') {
      const target = cacheCounters[event];
      if (!target)
        throw new TypeError(`cache event must be hit, miss, set or evict, got ${String(event)}`);
      target.inc(withDefaults({ cache: cacheLabel(cache) }));
    },

    recordHttpRequest(request) {
      const seconds = checkMs('durationMs', request.durationMs) / 1000;
      const method = String(request.method).toUpperCase();
      const code = request.statusCode;
      const labels = withDefaults({
        method: HTTP_METHODS.has(method) ? method : OTHER_LABEL_VALUE,
        route: routeLabel(request.route),
        status_code:
          Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : OTHER_LABEL_VALUE,
      });
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },

    recordDbOperation(operation) {
      const seconds = checkMs('durationMs', operation.durationMs) / 1000;
      const status = operation.status ?? 'success';
      if (status !== 'success' && status !== 'error') {
        throw new TypeError(`status must be success or error, got ${String(status)}`);
      }
      const labels = withDefaults({
        db_system: dbSystemLabel(operation.system),
        operation: dbOperationLabel(operation.operation),
      });
      dbOperations.inc({ ...labels, status });
      dbDuration.observe(labels, seconds);
    },

    recordWebSocketOpen() {
      websocketConnections.inc(noLabels);
    },

    recordWebSocketClose() {
      websocketConnections.dec(noLabels);
    },

    recordWebSocketMessage(direction, count = 1) {
      if (direction !== 'inbound' && direction !== 'outbound') {
        throw new TypeError(`direction must be inbound or outbound, got ${String(direction)}`);
      }
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`count must be an integer ≥ 0, got ${count}`);
      }
      websocketMessages.inc(withDefaults({ direction }), count);
    },

    recordBreakerState(breaker, state) {
      breakerStates.set(breaker, state);
    },

    recordBreakerTransition({ breaker, from, to }) {
      countBreakerTransition(breaker, from, to);
      breakerStates.set(breaker, to);
    },

    recordBreakerCall(breaker, result) {
      if (!BREAKER_CALL_RESULTS.has(result)) {
        throw new TypeError(
          `result must be success, failure, rejected or ignored, got ${String(result)}`,
        );
      }
      breakerCalls.inc(withDefaults({ breaker: breakerLabel(breaker), result }));
    },

    recordRateLimitDecision({ tier, allowed, reason, shadow = false }) {
      const result = allowed ? (shadow ? 'shadow_denied' : 'allowed') : 'denied';
      rateLimitDecisions.inc(
        withDefaults({
          tier: tierLabel(tier),
          result,
          reason: reasonLabel(String(reason)),
        }),
      );
    },
  };

  const internals: MetricsInternals = {
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
  attachInternals(metrics, internals);
  return metrics;
}
