/**
 * The labels of `createMetrics()`: a bounded labeler per open-ended label, the default labels,
 * and the label sets several recorders share.
 */
import type { CostCalculator } from './cost-calculator.js';
import { createBoundedLabel, createModelLabeler, type ModelAllowlistEntry } from './label-guard.js';
import { checkText } from './metric-checks.js';
import type { FailedAttempt, StreamLabels } from './metrics.js';

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

/** Label values by label name, as prom-client takes them. */
export type Labels = Record<string, string>;

/** What {@link createMetricLabels} needs from the resolved `createMetrics()` options. */
export interface MetricLabelsOptions {
  readonly allowModels: readonly ModelAllowlistEntry[];
  readonly costCalculator: CostCalculator;
  readonly maxLabelValues: number;
  readonly defaultLabels: Readonly<Record<string, string>>;
  readonly defaultLabelNames: readonly string[];
}

/** The labelers and label sets of one metric set. */
export interface MetricLabels {
  /** Whether `defaultLabels` names any label. */
  readonly hasDefaultLabels: boolean;
  /** Adds the default labels to `labels` and returns it. */
  readonly withDefaults: (labels: Labels) => Labels;
  /** The default labels alone: the labels of the label-less series. */
  readonly noLabels: Labels;
  /** Maps a raw model id to its `gen_ai_request_model` label. */
  readonly modelLabel: (model: string) => string;
  readonly operationLabel: (value: string) => string;
  readonly taskTypeLabel: (value: string) => string;
  readonly errorTypeLabel: (value: string) => string;
  readonly routeLabel: (value: string) => string;
  readonly tierLabel: (value: string) => string;
  readonly reasonLabel: (value: string) => string;
  readonly breakerLabel: (value: string) => string;
  readonly cancelReasonLabel: (value: string) => string;
  readonly cacheLabel: (value: string) => string;
  readonly dbSystemLabel: (value: string) => string;
  readonly dbOperationLabel: (value: string) => string;
  readonly limiterLabel: (value: string) => string;
  /** A breaker state as its label: lower case, bounded. */
  readonly stateLabel: (state: string) => string;
  /** The labels of the OpenTelemetry GenAI metrics; checks `provider` and `model`. */
  readonly genAiLabels: (provider: string, model: string, operation: string | undefined) => Labels;
  /** The labels of a stream's series; checks `provider` and `model`. */
  readonly streamLabels: (stream: StreamLabels) => Labels;
  /** The labels of a failed attempt: the GenAI labels and its error type. */
  readonly failedAttemptLabels: (attempt: FailedAttempt) => Labels;
}

/** Creates the labelers of one metric set, each open-ended label bounded on its own. */
export function createMetricLabels(options: MetricLabelsOptions): MetricLabels {
  const { allowModels, costCalculator, maxLabelValues, defaultLabels, defaultLabelNames } = options;
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

  return {
    hasDefaultLabels,
    withDefaults,
    noLabels: withDefaults({}),
    modelLabel,
    operationLabel,
    taskTypeLabel,
    errorTypeLabel,
    routeLabel,
    tierLabel,
    reasonLabel,
    breakerLabel,
    cancelReasonLabel,
    cacheLabel,
    dbSystemLabel,
    dbOperationLabel,
    limiterLabel,
    stateLabel,
    genAiLabels,
    streamLabels,
    failedAttemptLabels,
  };
}
