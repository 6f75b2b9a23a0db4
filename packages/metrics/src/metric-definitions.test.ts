import { describe, expect, it } from 'vitest';
import {
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  METRIC_DEFINITIONS,
  METRIC_NAMES,
  type MetricDefinition,
} from './metric-definitions.js';

describe('METRIC_DEFINITIONS', () => {
  it('has unique keys and names, and METRIC_NAMES mirrors them', () => {
    const keys = METRIC_DEFINITIONS.map((definition) => definition.key);
    const names = METRIC_DEFINITIONS.map((definition) => definition.name);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.entries(METRIC_NAMES)).toEqual(
      METRIC_DEFINITIONS.map((definition) => [definition.key, definition.name]),
    );
  });

  it('follows Prometheus naming: _total only on counters, base units, snake_case', () => {
    for (const definition of METRIC_DEFINITIONS) {
      expect(definition.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(definition.name.endsWith('_total')).toBe(definition.type === 'counter');
      if (definition.unit === 'seconds') expect(definition.name).toMatch(/_seconds$/);
      if (!definition.semconv) expect(definition.name).toMatch(/^breakwater_/);
      for (const label of definition.labelNames) expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(definition.help.length).toBeGreaterThan(10);
    }
  });

  it('uses the OpenTelemetry GenAI names, labels and buckets', () => {
    const byKey = Object.fromEntries(
      METRIC_DEFINITIONS.map((d): [string, MetricDefinition] => [d.key, d]),
    );
    expect(byKey.operationDuration).toMatchObject({
      name: 'gen_ai_client_operation_duration_seconds',
      type: 'histogram',
      labelNames: [
        'gen_ai_operation_name',
        'gen_ai_provider_name',
        'gen_ai_request_model',
        'error_type',
      ],
      buckets: [
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
      ],
    });
    expect(byKey.tokenUsage).toMatchObject({
      name: 'gen_ai_client_token_usage',
      labelNames: [
        'gen_ai_operation_name',
        'gen_ai_provider_name',
        'gen_ai_request_model',
        'gen_ai_token_type',
      ],
      buckets: GEN_AI_TOKEN_BUCKETS,
    });
    expect(GEN_AI_TOKEN_BUCKETS).toEqual(Array.from({ length: 14 }, (_, index) => 4 ** index));
    expect(byKey.timeToFirstChunk?.name).toBe(
      'gen_ai_client_operation_time_to_first_chunk_seconds',
    );
    expect(byKey.timePerOutputChunk?.name).toBe(
      'gen_ai_client_operation_time_per_output_chunk_seconds',
    );
    expect(byKey.timeToFirstChunk?.buckets).toBe(GEN_AI_DURATION_BUCKETS);
  });

  it('aggregates counters and histograms by sum and state gauges by max', () => {
    for (const definition of METRIC_DEFINITIONS) {
      if (definition.type !== 'gauge') expect(definition.aggregator).toBe('sum');
    }
    const maxed = METRIC_DEFINITIONS.filter((d) => d.aggregator === 'max').map((d) => d.key);
    expect(maxed).toEqual(['breakerState', 'rateLimitFallbackActive']);
  });
});
