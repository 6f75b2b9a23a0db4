import { type CostCalculator, createCostCalculator } from './cost-calculator.js';
import { assertSafeLabelName, type ModelAllowlistEntry } from './label-guard.js';
import { checkBuckets } from './metric-checks.js';
import {
  DEFAULT_PREFIX,
  type HistogramMetricKey,
  METRIC_DEFINITIONS,
  type MetricKey,
} from './metric-definitions.js';
import { createRegistry, isRegistry, type Registry } from './prom-client-backend.js';

/** Options for `createMetrics()`. */
export interface CreateMetricsOptions {
  /** The prom-client registry to register the metric set on. @default a new `Registry` (never the global one) */
  readonly registry?: Registry;
  /**
   * Prefix of every metric without an OpenTelemetry semantic convention. The `gen_ai_*` names
   * are fixed by the convention and never prefixed. Dashboards shipped with Breakwater assume the default.
   * @default 'breakwater_'
   */
  readonly prefix?: string;
  /** Bucket boundaries per histogram, replacing the defaults in {@link METRIC_DEFINITIONS}. @default {} */
  readonly buckets?: Partial<Record<HistogramMetricKey, readonly number[]>>;
  /**
   * Models whose id may appear in `gen_ai_request_model`, besides every model of the price
   * table (labelled by its price-table id). Other models are labelled `other`. RegExps let
   * matching ids through as they are, so anchor them.
   * @default []
   */
  readonly allowModels?: readonly ModelAllowlistEntry[];
  /** Prices requests for `breakwater_ai_cost_usd_total`. @default createCostCalculator() */
  readonly costCalculator?: CostCalculator;
  /**
   * Distinct values kept per open-ended label (provider, task type, route, tier, breaker, error
   * type, cancel reason, cache, concurrency limiter, database system and operation), first come
   * first served; later new values become `other`.
   * @default 50
   */
  readonly maxLabelValues?: number;
  /**
   * Constant labels added to every series, e.g. `{ service: 'gateway' }`. Names that identify a
   * user or carry a secret (`user_id`, `api_key`, `email`, `session`, …) are refused with a TypeError.
   * @default {}
   */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

/** A Prometheus metric-name prefix, or none. */
const PREFIX_PATTERN = /^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/;

/** {@link CreateMetricsOptions} with every default filled in and every value checked. */
export interface ResolvedMetricsOptions {
  readonly registry: Registry;
  readonly prefix: string;
  readonly buckets: Partial<Record<HistogramMetricKey, readonly number[]>>;
  readonly allowModels: readonly ModelAllowlistEntry[];
  readonly costCalculator: CostCalculator;
  readonly maxLabelValues: number;
  readonly defaultLabels: Readonly<Record<string, string>>;
  /** The names of `defaultLabels`, checked against identities and the set's own labels. */
  readonly defaultLabelNames: readonly string[];
}

/** Fills in the defaults of `createMetrics()` and throws a precise TypeError or RangeError for a bad option. */
export function resolveMetricsOptions(options: CreateMetricsOptions): ResolvedMetricsOptions {
  const {
    registry = createRegistry(),
    prefix = DEFAULT_PREFIX,
    buckets = {},
    allowModels = [],
    costCalculator = createCostCalculator(),
    maxLabelValues = 50,
    defaultLabels = {},
  } = options;
  if (!isRegistry(registry)) {
    throw new TypeError(
      'registry must be a prom-client Registry from the same prom-client install',
    );
  }
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`prefix must match ${PREFIX_PATTERN}, got ${JSON.stringify(prefix)}`);
  }
  if (!Number.isInteger(maxLabelValues) || maxLabelValues < 1) {
    throw new RangeError(`maxLabelValues must be an integer ≥ 1, got ${maxLabelValues}`);
  }
  if (!Array.isArray(allowModels)) {
    throw new TypeError('allowModels must be an array of model ids and RegExps');
  }
  for (const member of ['resolve', 'costAt', 'announceUnknown'] as const) {
    if (typeof costCalculator?.[member] !== 'function') {
      throw new TypeError(`costCalculator must come from createCostCalculator() (no ${member}())`);
    }
  }
  for (const [name, value] of [
    ['buckets', buckets],
    ['defaultLabels', defaultLabels],
  ] as const) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError(
        `${name} must be an object, got ${Array.isArray(value) ? 'an array' : String(value)}`,
      );
    }
  }
  const histogramKeys = new Set(
    METRIC_DEFINITIONS.filter((definition) => definition.type === 'histogram').map((d) => d.key),
  );
  for (const [key, bounds] of Object.entries(buckets)) {
    if (!histogramKeys.has(key as MetricKey)) {
      throw new TypeError(
        `buckets.${key} names no histogram; use one of ${[...histogramKeys].join(', ')}`,
      );
    }
    checkBuckets(key, bounds as readonly number[]);
  }
  const defaultLabelNames = Object.keys(defaultLabels);
  const metricLabelNames = new Set(
    METRIC_DEFINITIONS.flatMap((definition) => definition.labelNames),
  );
  for (const name of defaultLabelNames) {
    assertSafeLabelName(name, 'defaultLabels');
    if (metricLabelNames.has(name)) {
      throw new TypeError(`defaultLabels: "${name}" is already a label of the metric set`);
    }
    if (typeof defaultLabels[name] !== 'string') {
      throw new TypeError(
        `defaultLabels.${name} must be a string, got ${typeof defaultLabels[name]}`,
      );
    }
  }
  return {
    registry,
    prefix,
    buckets,
    allowModels,
    costCalculator,
    maxLabelValues,
    defaultLabels,
    defaultLabelNames,
  };
}
