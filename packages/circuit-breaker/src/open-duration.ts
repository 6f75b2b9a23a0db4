/** What an open-duration function is told when the circuit opens. */
export interface OpenDurationContext {
  /** Name of the breaker. */
  readonly name: string;
  /** How many times the circuit has opened since it was last closed (1 for the first time). */
  readonly openCount: number;
  /** The error that opened the circuit, when there was one. */
  readonly error: unknown;
}

/** Computes how long the circuit stays open, in milliseconds. */
export type OpenDurationFunction = (context: OpenDurationContext) => number;

/** Options for {@link exponentialOpenDuration}. */
export interface ExponentialOpenDurationOptions {
  /**
   * Open duration after the first trip, in milliseconds.
   * @default 5_000
   */
  readonly initialMs?: number;
  /**
   * Upper bound, in milliseconds.
   * @default 300_000
   */
  readonly maxMs?: number;
  /**
   * Growth factor per consecutive reopen.
   * @default 2
   */
  readonly factor?: number;
  /**
   * Fraction of the duration added or removed at random (0 to 1), so instances that
   * opened together do not probe together.
   * @default 0.2
   */
  readonly jitter?: number;
  /**
   * Random source in [0, 1), injectable for tests.
   * @default Math.random
   */
  readonly random?: () => number;
}

/**
 * An open duration that grows while probes keep failing: `initialMs × factor^(openCount-1)`,
 * capped at `maxMs`, with ± `jitter`.
 *
 * @example
 * createCircuitBreaker({ name: 'db', openDurationMs: exponentialOpenDuration({ initialMs: 1_000 }) });
 */
export function exponentialOpenDuration(
  options: ExponentialOpenDurationOptions = {},
): OpenDurationFunction {
  const initialMs = options.initialMs ?? 5_000;
  const maxMs = options.maxMs ?? 300_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  if (typeof initialMs !== 'number' || !(initialMs > 0) || !Number.isFinite(initialMs)) {
    throw new RangeError(`initialMs must be a finite number > 0, got ${String(initialMs)}`);
  }
  if (typeof maxMs !== 'number' || !(maxMs >= initialMs)) {
    throw new RangeError(`maxMs must be ≥ initialMs (${initialMs}), got ${String(maxMs)}`);
  }
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) {
    throw new RangeError(`factor must be a finite number ≥ 1, got ${String(factor)}`);
  }
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`jitter must be between 0 and 1, got ${String(jitter)}`);
  }
  if (typeof random !== 'function') {
    throw new TypeError(`random must be a function, got ${typeof random}`);
  }
  return ({ openCount }) => {
    const base = Math.min(maxMs, initialMs * factor ** Math.max(0, openCount - 1));
    const spread = base * jitter * (random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(maxMs, base + spread)));
  };
}
