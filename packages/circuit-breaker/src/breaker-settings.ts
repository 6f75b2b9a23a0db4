import type { OpenDurationFunction } from './open-duration.js';
import type { WindowOptions } from './outcome-window.js';

/**
 * The thresholds and durations of a breaker. All of them can be changed at run time
 * with `breaker.configure()` without losing state.
 */
export interface BreakerSettings {
  /**
   * Consecutive failures that open the circuit. `Infinity` turns the rule off.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * Failure rate over the window (0 < rate ≤ 1) that opens the circuit, once the window
   * holds `minimumCalls` calls. Off unless set.
   * @default undefined
   */
  readonly failureRateThreshold?: number | undefined;
  /**
   * Number of failures in the window that opens the circuit ("N failures in T" with a
   * time window). Off unless set.
   * @default undefined
   */
  readonly failureCountThreshold?: number | undefined;
  /**
   * Calls the window must hold before the failure rate and slow-call rate are judged.
   * @default 10
   */
  readonly minimumCalls?: number;
  /**
   * The sliding window for rates and counts: the last `size` calls, or the last
   * `durationMs` split into `buckets`.
   * @default { type: 'count', size: 100 }
   */
  readonly window?: WindowOptions;
  /**
   * Calls that take at least this long, in milliseconds, are slow. Off unless set.
   * @default undefined
   */
  readonly slowCallDurationMs?: number | undefined;
  /**
   * Slow-call rate over the window (0 < rate ≤ 1) that opens the circuit, once the window
   * holds `minimumCalls` calls. Used only with `slowCallDurationMs`.
   * @default 1
   */
  readonly slowCallRateThreshold?: number;
  /**
   * How long the circuit stays open before probes may run, in milliseconds, or a function
   * of the open count (see `exponentialOpenDuration`). A Retry-After carried by the error
   * that opened the circuit takes precedence.
   * @default 60_000
   */
  readonly openDurationMs?: number | OpenDurationFunction;
  /**
   * Probes admitted at once in HALF_OPEN; further calls are rejected at once.
   * @default 1
   */
  readonly halfOpenMaxProbes?: number;
  /**
   * Successful probes that close the circuit.
   * @default 2
   */
  readonly halfOpenSuccessThreshold?: number;
  /**
   * A probe not finished (or its permit not settled) within this many milliseconds counts
   * as failed, so a lost permit cannot wedge HALF_OPEN.
   * @default 60_000
   */
  readonly probeTimeoutMs?: number;
  /**
   * Default per-call timeout for `execute()`, in milliseconds; the call's signal is aborted
   * and the call counts as a failure. Off unless set.
   * @default undefined
   */
  readonly timeoutMs?: number | undefined;
}

/** The settings in force, with every default filled in. */
export interface ResolvedBreakerSettings {
  /** See {@link BreakerSettings.failureThreshold}. */
  readonly failureThreshold: number;
  /** See {@link BreakerSettings.failureRateThreshold}; `undefined` when off. */
  readonly failureRateThreshold: number | undefined;
  /** See {@link BreakerSettings.failureCountThreshold}; `undefined` when off. */
  readonly failureCountThreshold: number | undefined;
  /** See {@link BreakerSettings.minimumCalls}. */
  readonly minimumCalls: number;
  /** See {@link BreakerSettings.window}. */
  readonly window: WindowOptions;
  /** See {@link BreakerSettings.slowCallDurationMs}; `undefined` when off. */
  readonly slowCallDurationMs: number | undefined;
  /** See {@link BreakerSettings.slowCallRateThreshold}. */
  readonly slowCallRateThreshold: number;
  /** See {@link BreakerSettings.openDurationMs}. */
  readonly openDurationMs: number | OpenDurationFunction;
  /** See {@link BreakerSettings.halfOpenMaxProbes}. */
  readonly halfOpenMaxProbes: number;
  /** See {@link BreakerSettings.halfOpenSuccessThreshold}. */
  readonly halfOpenSuccessThreshold: number;
  /** See {@link BreakerSettings.probeTimeoutMs}. */
  readonly probeTimeoutMs: number;
  /** See {@link BreakerSettings.timeoutMs}; `undefined` when off. */
  readonly timeoutMs: number | undefined;
}

/** @internal */
export const DEFAULT_SETTINGS: ResolvedBreakerSettings = {
  failureThreshold: 5,
  failureRateThreshold: undefined,
  failureCountThreshold: undefined,
  minimumCalls: 10,
  window: { type: 'count', size: 100 },
  slowCallDurationMs: undefined,
  slowCallRateThreshold: 1,
  openDurationMs: 60_000,
  halfOpenMaxProbes: 1,
  halfOpenSuccessThreshold: 2,
  probeTimeoutMs: 60_000,
  timeoutMs: undefined,
};

/**
 * Merges `changes` over `base` and validates the result.
 * @internal
 */
export function resolveSettings(
  base: ResolvedBreakerSettings,
  changes: BreakerSettings,
): ResolvedBreakerSettings {
  const merged = { ...base };
  for (const key of Object.keys(changes) as Array<keyof BreakerSettings>) {
    if (!(key in DEFAULT_SETTINGS)) continue;
    const value = changes[key];
    // An explicit `undefined` turns an optional rule off; for required settings it keeps the default.
    if (value === undefined && DEFAULT_SETTINGS[key] !== undefined) continue;
    (merged as Record<string, unknown>)[key] = value;
  }
  integerAtLeast('failureThreshold', merged.failureThreshold, 1, true);
  if (merged.failureRateThreshold !== undefined)
    ratio('failureRateThreshold', merged.failureRateThreshold);
  if (merged.failureCountThreshold !== undefined) {
    integerAtLeast('failureCountThreshold', merged.failureCountThreshold, 1, false);
  }
  integerAtLeast('minimumCalls', merged.minimumCalls, 1, false);
  validateWindow(merged.window);
  if (merged.slowCallDurationMs !== undefined)
    positive('slowCallDurationMs', merged.slowCallDurationMs);
  ratio('slowCallRateThreshold', merged.slowCallRateThreshold);
  if (typeof merged.openDurationMs !== 'function') {
    if (typeof merged.openDurationMs !== 'number' || !(merged.openDurationMs >= 0)) {
      throw new RangeError(
        `openDurationMs must be a number ≥ 0 or a function, got ${String(merged.openDurationMs)}`,
      );
    }
  }
  integerAtLeast('halfOpenMaxProbes', merged.halfOpenMaxProbes, 1, false);
  integerAtLeast('halfOpenSuccessThreshold', merged.halfOpenSuccessThreshold, 1, false);
  positive('probeTimeoutMs', merged.probeTimeoutMs);
  if (merged.timeoutMs !== undefined) positive('timeoutMs', merged.timeoutMs);
  return merged;
}

function validateWindow(window: WindowOptions) {
  if (typeof window !== 'object' || window === null) {
    throw new TypeError(`window must be { type: 'count', size } or { type: 'time', durationMs }`);
  }
  if (window.type === 'count') {
    integerAtLeast('window.size', window.size, 1, false);
  } else if (window.type === 'time') {
    positive('window.durationMs', window.durationMs);
    if (window.buckets !== undefined) integerAtLeast('window.buckets', window.buckets, 1, false);
  } else {
    throw new TypeError(
      `window.type must be 'count' or 'time', got ${String((window as { type: unknown }).type)}`,
    );
  }
}

function integerAtLeast(name: string, value: unknown, minimum: number, allowInfinity: boolean) {
  const valid =
    typeof value === 'number' &&
    value >= minimum &&
    (Number.isInteger(value) || (allowInfinity && value === Number.POSITIVE_INFINITY));
  if (!valid) {
    throw new RangeError(`${name} must be an integer ≥ ${minimum}, got ${String(value)}`);
  }
}

function positive(name: string, value: unknown) {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${String(value)}`);
  }
}

function ratio(name: string, value: unknown) {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new RangeError(`${name} must be > 0 and ≤ 1, got ${String(value)}`);
  }
}
