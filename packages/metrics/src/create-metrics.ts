import { createCollectors, createScrapeSources } from './create-metrics-collectors.js';
import { createMetricInstruments } from './create-metrics-instruments.js';
import { createMetricsInternals } from './create-metrics-internals.js';
import { createMetricLabels } from './create-metrics-labels.js';
import { type CreateMetricsOptions, resolveMetricsOptions } from './create-metrics-options.js';
import { OTHER_LABEL_VALUE, UNKNOWN_MODEL_LABEL_VALUE } from './label-guard.js';
import { checkMs, checkTokens } from './metric-checks.js';
import { type AiRequestStatus, attachInternals, type Metrics } from './metrics.js';

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
  const metricLabels = createMetricLabels({
    allowModels,
    costCalculator,
    maxLabelValues,
    defaultLabels,
    defaultLabelNames,
  });
  const {
    withDefaults,
    noLabels,
    genAiLabels,
    streamLabels,
    failedAttemptLabels,
    errorTypeLabel,
    taskTypeLabel,
    cancelReasonLabel,
    cacheLabel,
    routeLabel,
    dbSystemLabel,
    dbOperationLabel,
    breakerLabel,
    tierLabel,
    reasonLabel,
  } = metricLabels;

  const sources = createScrapeSources();
  // The collectors run at scrape time only, when `instruments` below exists.
  const collectors = createCollectors(sources, metricLabels, () => instruments);
  const { names, instruments } = createMetricInstruments({
    registry,
    prefix,
    buckets,
    defaultLabelNames,
    collectors,
  });
  const {
    aiRequests,
    aiCost,
    aiUnpriced,
    operationDuration,
    tokenUsage,
    timeToFirstChunk,
    streamsActive,
    streamsCancelled,
    cacheCounters,
    httpRequests,
    httpDuration,
    dbOperations,
    dbDuration,
    websocketConnections,
    websocketMessages,
    breakerCalls,
    aiRetries,
    aiFailovers,
    rateLimitDecisions,
    fallbackActive,
  } = instruments;
  if (metricLabels.hasDefaultLabels) {
    // Label-less series start at 0 only without labels; with constant labels, create them.
    websocketConnections.set(noLabels, 0);
    fallbackActive.set(noLabels, 0);
  }

  const internals = createMetricsInternals(metricLabels, instruments, sources);
  const { countStreamChunks, countBreakerTransition } = internals;
  const { breakerStates } = sources;

  const metrics: Metrics = {
    registry,
    names,
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

  attachInternals(metrics, internals);
  return metrics;
}
