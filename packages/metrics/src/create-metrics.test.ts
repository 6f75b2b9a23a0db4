import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { samples, sampleValue } from './__fixtures__/read-metric.js';
import { createCostCalculator } from './cost-calculator.js';
import { createMetrics } from './create-metrics.js';
import { METRIC_DEFINITIONS } from './metric-definitions.js';

const quiet = () => createCostCalculator({ onUnknownModel: () => {} });
const gpt = {
  gen_ai_operation_name: 'chat',
  gen_ai_provider_name: 'openai',
  gen_ai_request_model: 'gpt-4o',
};

describe('createMetrics', () => {
  it('registers the whole set on a new registry, never the global one', async () => {
    const metrics = createMetrics();
    expect(metrics.registry).toBeInstanceOf(Registry);
    const names = metrics.registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toEqual(METRIC_DEFINITIONS.map((definition) => definition.name));
    expect(metrics.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(await metrics.metrics()).toContain('# TYPE breakwater_ai_requests_total counter');
  });

  it('uses a given registry and prefix; gen_ai names keep their convention', () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, prefix: 'acme_' });
    expect(metrics.registry).toBe(registry);
    expect(metrics.names.aiRequests).toBe('acme_ai_requests_total');
    expect(metrics.names.operationDuration).toBe('gen_ai_client_operation_duration_seconds');
    expect(registry.getSingleMetric('acme_ai_cost_usd_total')).toBeDefined();
  });

  it('records one AI request into count, duration, tokens, time to first chunk and cost', async () => {
    const metrics = createMetrics({ costCalculator: quiet() });
    const cost = metrics.recordAiRequest({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      durationMs: 1500,
      usage: { inputTokens: 1000, outputTokens: 200 },
      timeToFirstChunkMs: 250,
      taskType: 'summarize',
    });
    expect(cost).toBeCloseTo(0.0045, 12);
    const { registry, names } = metrics;
    expect(await sampleValue(registry, names.aiRequests, { ...gpt, status: 'success' })).toBe(1);
    expect(await sampleValue(registry, names.operationDuration, gpt, '_sum')).toBe(1.5);
    expect(
      await sampleValue(registry, names.operationDuration, { ...gpt, le: 2.56 }, '_bucket'),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.operationDuration, { ...gpt, le: 1.28 }, '_bucket'),
    ).toBe(0);
    expect(
      await sampleValue(registry, names.tokenUsage, { ...gpt, gen_ai_token_type: 'input' }, '_sum'),
    ).toBe(1000);
    expect(
      await sampleValue(
        registry,
        names.tokenUsage,
        { ...gpt, gen_ai_token_type: 'output' },
        '_sum',
      ),
    ).toBe(200);
    expect(await sampleValue(registry, names.timeToFirstChunk, gpt, '_sum')).toBe(0.25);
    expect(
      await sampleValue(registry, names.aiCost, {
        gen_ai_provider_name: 'openai',
        gen_ai_request_model: 'gpt-4o',
        task_type: 'summarize',
      }),
    ).toBeCloseTo(0.0045, 12);
  });

  it('labels failures with error_type and cancellations by status', async () => {
    const metrics = createMetrics({ costCalculator: quiet() });
    metrics.recordAiRequest({
      provider: 'openai',
      model: 'gpt-4o',
      durationMs: 100,
      errorType: 'rate_limited',
    });
    metrics.recordAiRequest({
      provider: 'openai',
      model: 'gpt-4o',
      durationMs: 100,
      status: 'error',
    });
    metrics.recordAiRequest({
      provider: 'openai',
      model: 'gpt-4o',
      durationMs: 100,
      status: 'cancelled',
    });
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.aiRequests, {
        ...gpt,
        status: 'error',
        error_type: 'rate_limited',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.aiRequests, {
        ...gpt,
        status: 'error',
        error_type: '_OTHER',
      }),
    ).toBe(1);
    expect(await sampleValue(registry, names.aiRequests, { ...gpt, status: 'cancelled' })).toBe(1);
    expect(
      await sampleValue(
        registry,
        names.operationDuration,
        { ...gpt, error_type: 'cancelled' },
        '_count',
      ),
    ).toBe(1);
  });

  it('counts retries and failovers by the model that failed, its error type guarded', async () => {
    const metrics = createMetrics({ maxLabelValues: 2 });
    metrics.recordAiRetry({ provider: 'openai', model: 'gpt-4o', errorType: 'rate_limited' });
    metrics.recordAiRetry({ provider: 'openai', model: 'gpt-4o', errorType: 'rate_limited' });
    metrics.recordAiFailover({ provider: 'openai', model: 'gpt-4o' });
    metrics.recordAiFailover({ provider: 'openai', model: 'gpt-4o', errorType: 'upstream_error' });
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.aiRetries, { ...gpt, error_type: 'rate_limited' }),
    ).toBe(2);
    expect(await sampleValue(registry, names.aiFailovers, { ...gpt, error_type: '_OTHER' })).toBe(
      1,
    );
    // Past the budget of 2 error types, a new one is `other`.
    expect(await sampleValue(registry, names.aiFailovers, { ...gpt, error_type: 'other' })).toBe(1);
    expect(() => metrics.recordAiRetry({ provider: 3 as never, model: 'gpt-4o' })).toThrow(
      new TypeError('provider must be a string, got number'),
    );
  });

  it('counts unpriced models under model="unknown", announces them once and adds no cost', async () => {
    const onUnknownModel = vi.fn();
    const metrics = createMetrics({ costCalculator: createCostCalculator({ onUnknownModel }) });
    for (let index = 0; index < 3; index++) {
      expect(
        metrics.recordAiRequest({
          provider: 'vllm',
          model: 'llama-3.1-70b',
          durationMs: 10,
          usage: { inputTokens: 5, outputTokens: 5 },
        }),
      ).toBeUndefined();
    }
    expect(onUnknownModel).toHaveBeenCalledTimes(1);
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.aiUnpricedRequests, {
        gen_ai_provider_name: 'vllm',
        gen_ai_request_model: 'unknown',
        task_type: 'default',
      }),
    ).toBe(3);
    expect(await samples(registry, names.aiCost)).toEqual([]);
    // Unlisted models share the "other" series everywhere else.
    expect(
      await sampleValue(registry, names.aiRequests, {
        gen_ai_request_model: 'other',
        status: 'success',
      }),
    ).toBe(3);
  });

  it('maps short provider names to their OpenTelemetry values', async () => {
    const metrics = createMetrics();
    metrics.recordAiRequest({ provider: 'gemini', model: 'gemini-2.5-flash', durationMs: 10 });
    expect(
      await sampleValue(metrics.registry, metrics.names.aiRequests, {
        gen_ai_provider_name: 'gcp.gemini',
        gen_ai_request_model: 'gemini-2.5-flash',
      }),
    ).toBe(1);
  });

  it('keeps allowlisted models and caps open-ended labels at maxLabelValues', async () => {
    const metrics = createMetrics({
      allowModels: ['llama-3.1-70b'],
      maxLabelValues: 2,
      costCalculator: quiet(),
    });
    metrics.recordAiRequest({ provider: 'vllm', model: 'llama-3.1-70b', durationMs: 1 });
    for (const route of ['/a', '/b', '/c', '/d']) {
      metrics.recordHttpRequest({ method: 'get', route, statusCode: 200, durationMs: 5 });
    }
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.aiRequests, { gen_ai_request_model: 'llama-3.1-70b' }),
    ).toBe(1);
    const routes = (await samples(registry, names.httpRequests)).map(
      (sample) => sample.labels.route,
    );
    expect(routes).toEqual(['/a', '/b', 'other']);
    expect(
      await sampleValue(registry, names.httpRequests, {
        route: 'other',
        method: 'GET',
        status_code: '200',
      }),
    ).toBe(2);
  });

  it('records streams, cache, HTTP, database and WebSocket activity', async () => {
    const metrics = createMetrics({ costCalculator: quiet() });
    const stream = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
    metrics.recordStreamStart(stream);
    metrics.recordStreamStart(stream);
    metrics.recordStreamChunk(stream);
    metrics.recordStreamChunk({ ...stream, sincePreviousChunkMs: 30 });
    metrics.recordStreamEnd({ ...stream, outcome: 'complete' });
    metrics.recordStreamEnd({ ...stream, outcome: 'cancelled', reason: 'client_disconnected' });
    metrics.recordCacheEvent('hit');
    metrics.recordCacheEvent('miss');
    metrics.recordCacheEvent('miss');
    metrics.recordHttpRequest({
      method: 'POST',
      route: '/v1/chat',
      statusCode: 429,
      durationMs: 3,
    });
    metrics.recordDbOperation({ system: 'redis', operation: 'evalsha', durationMs: 2 });
    metrics.recordDbOperation({
      system: 'redis',
      operation: 'evalsha',
      durationMs: 2,
      status: 'error',
    });
    metrics.recordWebSocketOpen();
    metrics.recordWebSocketOpen();
    metrics.recordWebSocketClose();
    metrics.recordWebSocketMessage('outbound', 3);
    const { registry, names } = metrics;
    const labels = { gen_ai_provider_name: 'anthropic', gen_ai_request_model: 'claude-sonnet-4-5' };
    expect(await sampleValue(registry, names.streamsActive, labels)).toBe(0);
    expect(await sampleValue(registry, names.streamChunks, labels)).toBe(2);
    expect(await sampleValue(registry, names.timePerOutputChunk, labels, '_sum')).toBe(0.03);
    expect(
      await sampleValue(registry, names.streamsCancelled, { reason: 'client_disconnected' }),
    ).toBe(1);
    expect(await sampleValue(registry, names.cacheHits, { cache: 'response' })).toBe(1);
    expect(await sampleValue(registry, names.cacheMisses, { cache: 'response' })).toBe(2);
    expect(
      await sampleValue(registry, names.httpRequests, { status_code: '429', route: '/v1/chat' }),
    ).toBe(1);
    expect(await sampleValue(registry, names.httpRequestDuration, { method: 'POST' }, '_sum')).toBe(
      0.003,
    );
    expect(await sampleValue(registry, names.dbOperations, { status: 'error' })).toBe(1);
    expect(
      await sampleValue(registry, names.dbOperationDuration, { db_system: 'redis' }, '_count'),
    ).toBe(2);
    expect(await sampleValue(registry, names.websocketConnections)).toBe(1);
    expect(await sampleValue(registry, names.websocketMessages, { direction: 'outbound' })).toBe(3);
  });

  it('sets one-hot breaker states and counts rate-limit decisions', async () => {
    const metrics = createMetrics();
    metrics.recordBreakerState('openai', 'CLOSED');
    metrics.recordBreakerTransition({ breaker: 'openai', from: 'CLOSED', to: 'OPEN' });
    metrics.recordBreakerCall('openai', 'rejected');
    metrics.recordRateLimitDecision({ tier: 'FREE', allowed: false, reason: 'limit-exceeded' });
    metrics.recordRateLimitDecision({
      tier: 'FREE',
      allowed: true,
      reason: 'limit-exceeded',
      shadow: true,
    });
    const { registry, names } = metrics;
    const states = (await samples(registry, names.breakerState)).map((s) => [
      s.labels.state,
      s.value,
    ]);
    expect(states).toEqual([
      ['closed', 0],
      ['open', 1],
      ['half_open', 0],
      ['forced_open', 0],
      ['disabled', 0],
    ]);
    expect(
      await sampleValue(registry, names.breakerTransitions, { from: 'closed', to: 'open' }),
    ).toBe(1);
    expect(await sampleValue(registry, names.breakerCalls, { result: 'rejected' })).toBe(1);
    expect(
      await sampleValue(registry, names.rateLimitDecisions, {
        result: 'denied',
        reason: 'limit-exceeded',
      }),
    ).toBe(1);
    expect(await sampleValue(registry, names.rateLimitDecisions, { result: 'shadow_denied' })).toBe(
      1,
    );
  });

  it('adds safe default labels to every series and refuses identity labels', async () => {
    const metrics = createMetrics({ defaultLabels: { service: 'gateway' } });
    metrics.recordCacheEvent('hit');
    expect(
      await sampleValue(metrics.registry, metrics.names.cacheHits, { service: 'gateway' }),
    ).toBe(1);
    expect(
      await sampleValue(metrics.registry, metrics.names.websocketConnections, {
        service: 'gateway',
      }),
    ).toBe(0);
    expect(() => createMetrics({ defaultLabels: { user_id: '42' } })).toThrow(
      /"user_id" is refused/,
    );
    expect(() => createMetrics({ defaultLabels: { api_key: 'x' } })).toThrow(
      /"api_key" is refused/,
    );
    expect(() => createMetrics({ defaultLabels: { route: 'x' } })).toThrow(/already a label/);
  });

  it('overrides histogram buckets and validates options precisely', async () => {
    const metrics = createMetrics({ buckets: { httpRequestDuration: [0.1, 1] } });
    metrics.recordHttpRequest({ method: 'GET', route: '/', statusCode: 200, durationMs: 50 });
    const bounds = (await samples(metrics.registry, metrics.names.httpRequestDuration))
      .filter((sample) => sample.metricName.endsWith('_bucket'))
      .map((sample) => sample.labels.le);
    expect(bounds).toEqual([0.1, 1, '+Inf']);
    expect(() => createMetrics({ buckets: { httpRequestDuration: [1, 1] } })).toThrow(
      new RangeError('buckets.httpRequestDuration must be strictly increasing, got 1 after 1'),
    );
    expect(() => createMetrics({ buckets: { aiCost: [1] } as never })).toThrow(
      /names no histogram/,
    );
    expect(() => createMetrics({ prefix: 'bad-prefix' })).toThrow(TypeError);
    expect(() => createMetrics({ maxLabelValues: 0 })).toThrow(
      new RangeError('maxLabelValues must be an integer ≥ 1, got 0'),
    );
    expect(() => createMetrics({ registry: {} as Registry })).toThrow(TypeError);
    const metricsForChecks = createMetrics();
    expect(() =>
      metricsForChecks.recordAiRequest({ provider: 'openai', model: 'gpt-4o', durationMs: -1 }),
    ).toThrow(new RangeError('durationMs must be a finite number ≥ 0, got -1'));
    expect(() => metricsForChecks.recordWebSocketMessage('sideways' as 'inbound')).toThrow(
      new TypeError('direction must be inbound or outbound, got sideways'),
    );
    expect(() => createMetrics({ costCalculator: {} as never })).toThrow(
      new TypeError('costCalculator must come from createCostCalculator() (no resolve())'),
    );
    expect(() => createMetrics({ buckets: [] as never })).toThrow(
      new TypeError('buckets must be an object, got an array'),
    );
    expect(() => createMetrics({ defaultLabels: 'service=gateway' as never })).toThrow(
      new TypeError('defaultLabels must be an object, got service=gateway'),
    );
    expect(() => createMetrics({ allowModels: 'gpt-4o' as never })).toThrow(
      new TypeError('allowModels must be an array of model ids and RegExps'),
    );
    expect(() =>
      metricsForChecks.recordAiRequest({ provider: 'openai', model: undefined as never }),
    ).toThrow(new TypeError('model must be a string, got undefined'));
    expect(() => metricsForChecks.recordStreamStart({ provider: 7 as never, model: 'x' })).toThrow(
      new TypeError('provider must be a string, got number'),
    );
  });
});
