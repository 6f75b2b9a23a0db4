/**
 * Task types are the application's own labels (`chat`, `strategy_audit`, ...): any short
 * label is accepted, on every route alike, and cost is tracked per label. Metrics keep the
 * configured labels plus a bounded number of others; the rest fold into `other`.
 */

/** Longest accepted task type. */
export const TASK_TYPE_MAX_LENGTH = 64;

/** Letters, digits, `_`, `-`, `.` and `:`, starting with a letter or digit. */
const TASK_TYPE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]*$';
const taskTypePattern = new RegExp(TASK_TYPE_PATTERN);

/** The JSON schema of a task type, used by every route's body schema. */
export const taskTypeSchema = {
  type: 'string',
  minLength: 1,
  maxLength: TASK_TYPE_MAX_LENGTH,
  pattern: TASK_TYPE_PATTERN,
} as const;

/** The task type of a request that names none. */
export const DEFAULT_TASK_TYPE = 'chat';

/** The metric label of every task type beyond the allowlist and the budget. */
export const OTHER_TASK_TYPE = 'other';

/** Why a task type was refused, or undefined when it is valid. */
export function taskTypeProblem(value: unknown): string | undefined {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > TASK_TYPE_MAX_LENGTH ||
    !taskTypePattern.test(value)
  ) {
    return `task_type must be 1 to ${TASK_TYPE_MAX_LENGTH} letters, digits, '_', '-', '.' or ':', starting with a letter or digit`;
  }
  return undefined;
}

/** Task-type settings of the gateway config. */
export interface TaskTypeConfig {
  /** Labels always kept as they are in metrics. */
  readonly allow: readonly string[];
  /** How many labels outside `allow` are kept (first come); later ones count as `other`. */
  readonly budget: number;
}

/** Folds task types into a bounded set of metric labels. */
export interface TaskTypeLabels {
  /** The metric label of a (valid) task type: itself, or `other` once the budget is spent. */
  labelOf(taskType: string): string;
}

/** Builds the folding rule of {@link TaskTypeConfig}. */
export function createTaskTypeLabels(config: TaskTypeConfig): TaskTypeLabels {
  const allowed = new Set(config.allow);
  const admitted = new Set<string>();
  return {
    labelOf(taskType) {
      if (allowed.has(taskType) || admitted.has(taskType)) return taskType;
      if (admitted.size < config.budget) {
        admitted.add(taskType);
        return taskType;
      }
      return OTHER_TASK_TYPE;
    },
  };
}
