import type { EventEmitter } from 'eventemitter3';
import type { BreakerEvents } from './breaker-events.js';
import type { BreakerPermit, Permit } from './breaker-permit.js';
import type { BreakerRejection } from './breaker-rejection.js';
import type { BreakerSettings, ResolvedBreakerSettings } from './breaker-settings.js';
import type { BreakerSnapshot } from './breaker-snapshot.js';
import type { BreakerState } from './breaker-state.js';
import type { BreakerStateStore } from './breaker-state-store.js';
import { isBreakerTimeoutError } from './breaker-timeout-error.js';
import { CircuitStateMachine } from './circuit-state-machine.js';
import type { ErrorClassifier } from './classify-error.js';
import { runGuarded, runUnguarded } from './guarded-call.js';

/** What a fallback is told about the call it replaces. */
export interface FallbackContext {
  /** Name of the breaker. */
  readonly name: string;
  /** State of the breaker after the call. */
  readonly state: BreakerState;
  /** Why there is no result: the breaker `rejected` the call, it hit its `timeout`, or it threw an `error`. */
  readonly reason: 'rejected' | 'timeout' | 'error';
  /** For rejections: how long until calls are admitted again, in milliseconds; 0 otherwise. */
  readonly retryAfterMs: number;
}

/** Options for {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions<TFallback = never> extends BreakerSettings {
  /**
   * Name used in events, errors, snapshots and shared-state keys.
   * @default 'default'
   */
  readonly name?: string;
  /**
   * Decides per error whether it is a failure, ignored, a success, or opens the circuit at
   * once. The default understands HTTP statuses and the openai, Anthropic and Google SDK
   * errors (see `createErrorClassifier`).
   * @default classifyError
   */
  readonly classify?: ErrorClassifier;
  /**
   * Value to return instead of throwing when a call is rejected, times out or fails
   * (the caller's own abort still throws). Not used by `tryExecute()`.
   * @default undefined
   */
  readonly fallback?: (error: unknown, context: FallbackContext) => TFallback | Promise<TFallback>;
  /**
   * Current time in epoch milliseconds; inject a fake for tests.
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * Shares state with other processes (see `createRedisBreakerStore`). Off unless set.
   * @default undefined
   */
  readonly store?: BreakerStateStore | undefined;
}

/** Per-call options of `execute()` and `tryExecute()`. */
export interface ExecuteOptions {
  /**
   * The caller's signal. Its abort rejects the call at once with the signal's reason, even
   * when `fn` ignores it, and counts as neither outcome; the listener is removed afterwards.
   * @default undefined
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Timeout for this call in milliseconds; overrides the breaker's `timeoutMs`. When it
   * elapses, the signal given to `fn` aborts and the call fails with `BreakerTimeoutError`.
   * @default the breaker's `timeoutMs` (off unless set)
   */
  readonly timeoutMs?: number | undefined;
}

/** A failed call, as a value. */
export interface ExecuteFailure {
  /** Always `false`: there is no value. */
  readonly ok: false;
  /** `false`: the call ran and threw (or timed out). */
  readonly rejected: false;
  /** What the call threw, or the `BreakerTimeoutError` or the caller's abort reason. */
  readonly error: unknown;
}

/** The outcome of `tryExecute()`: a value, a rejection, or a failure. */
export type ExecuteResult<T> =
  | { readonly ok: true; readonly value: T }
  | BreakerRejection
  | ExecuteFailure;

/** A circuit breaker. Create one with {@link createCircuitBreaker}. */
export interface CircuitBreaker<TFallback = never> extends EventEmitter<BreakerEvents> {
  /** The breaker's name. */
  readonly name: string;
  /** The current state. Transitions are lazy: an elapsed OPEN turns HALF_OPEN when a call arrives. */
  readonly state: BreakerState;
  /** The settings in force (after `configure()`). */
  readonly settings: ResolvedBreakerSettings;
  /**
   * Runs `fn` through the breaker. `fn` receives a signal that aborts when the caller's
   * signal aborts or the timeout elapses. Rejects with `CircuitOpenError` when the circuit
   * refuses the call, `BreakerTimeoutError` on timeout, or whatever `fn` threw; with a
   * `fallback`, its value is returned instead.
   */
  execute<T>(
    fn: (signal: AbortSignal) => Promise<T> | T,
    options?: ExecuteOptions,
  ): Promise<T | TFallback>;
  /** Like `execute()`, but never rejects: it resolves with a result object and ignores `fallback`. */
  tryExecute<T>(
    fn: (signal: AbortSignal) => Promise<T> | T,
    options?: ExecuteOptions,
  ): Promise<ExecuteResult<T>>;
  /**
   * Asks to start work whose outcome is known later (a stream). Settle the permit with
   * `success()`, `failure(error)` or `release()`; a permit never settled stops holding a
   * HALF_OPEN probe slot after `probeTimeoutMs`.
   */
  tryAcquire(): BreakerPermit | BreakerRejection;
  /** A point-in-time view for dashboards and JSON APIs. */
  snapshot(): BreakerSnapshot;
  /** Changes thresholds and durations now, keeping state and counts. Throws on invalid values and then changes nothing. */
  configure(settings: BreakerSettings): void;
  /** Holds the circuit open until `reset()`: every call is rejected (and every instance, with a store). */
  forceOpen(): void;
  /** Switches the breaker off until `reset()`: every call runs, nothing is recorded (every instance, with a store). */
  disable(): void;
  /** Closes the circuit and clears counts (and the shared state, with a store). */
  reset(): void;
  /** Applies a due OPEN → HALF_OPEN transition now instead of on the next call (what the registry's ticker calls). */
  refresh(): void;
  /** Stops following the shared store. The breaker keeps working locally. */
  dispose(): void;
}

type Fallback<TFallback> = (
  error: unknown,
  context: FallbackContext,
) => TFallback | Promise<TFallback>;

/**
 * Creates a circuit breaker.
 *
 * @example
 * const breaker = createCircuitBreaker({ name: 'openai:gpt-4o', failureThreshold: 5 });
 * const reply = await breaker.execute((signal) => openai.responses.create(body, { signal }));
 */
export function createCircuitBreaker<TFallback = never>(
  options: CircuitBreakerOptions<TFallback> = {},
): CircuitBreaker<TFallback> {
  return new CircuitBreakerImpl(options);
}

/**
 * The three ways to run a call: each admits it (a permit) or refuses it (a rejection), runs
 * it, and settles the permit with its outcome.
 * @internal
 */
export class CircuitBreakerImpl<TFallback = never>
  extends CircuitStateMachine
  implements CircuitBreaker<TFallback>
{
  readonly #fallback: Fallback<TFallback> | undefined;

  constructor(options: CircuitBreakerOptions<TFallback>, registry?: EventEmitter<BreakerEvents>) {
    super(options, registry);
    if (options.fallback !== undefined && typeof options.fallback !== 'function') {
      throw new TypeError(`fallback must be a function, got ${typeof options.fallback}`);
    }
    this.#fallback = options.fallback;
  }

  execute<T>(
    fn: (signal: AbortSignal) => Promise<T> | T,
    options?: ExecuteOptions,
  ): Promise<T | TFallback> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const admission = this.admit();
    if (admission instanceof Promise) {
      return admission.then(() => this.#settleExecute(this.admitNow(), fn, options));
    }
    return this.#settleExecute(admission, fn, options);
  }

  #settleExecute<T>(
    admission: Permit | BreakerRejection,
    fn: (signal: AbortSignal) => Promise<T> | T,
    options: ExecuteOptions | undefined,
  ): Promise<T | TFallback> {
    const fallback = this.#fallback;
    if (!admission.ok) {
      const { error, retryAfterMs } = admission;
      return fallback
        ? this.#runFallback(fallback, error, { reason: 'rejected', retryAfterMs })
        : Promise.reject(error);
    }
    const call = this.#run(admission, fn, options);
    if (!fallback) return call;
    return call.catch((error: unknown) => {
      // The caller's own abort is not the dependency's fault: it still throws.
      if (callerAborted(options?.signal, error)) throw error;
      const reason = isBreakerTimeoutError(error) ? 'timeout' : 'error';
      return this.#runFallback(fallback, error, { reason, retryAfterMs: 0 });
    });
  }

  async tryExecute<T>(
    fn: (signal: AbortSignal) => Promise<T> | T,
    options?: ExecuteOptions,
  ): Promise<ExecuteResult<T>> {
    const signal = options?.signal;
    if (signal?.aborted) return { ok: false, rejected: false, error: signal.reason };
    let admission = this.admit();
    if (admission instanceof Promise) {
      await admission;
      admission = this.admitNow();
    }
    if (!admission.ok) return admission;
    try {
      return { ok: true, value: await this.#run(admission, fn, options) };
    } catch (error) {
      return { ok: false, rejected: false, error };
    }
  }

  tryAcquire(): BreakerPermit | BreakerRejection {
    return this.admitNow();
  }

  /** Runs an admitted call and settles its permit with the outcome. */
  #run<T>(
    permit: Permit,
    fn: (signal: AbortSignal) => Promise<T> | T,
    options: ExecuteOptions | undefined,
  ): Promise<T> {
    const signal = options?.signal;
    const timeoutMs = options?.timeoutMs ?? this.settings.timeoutMs;
    const running =
      signal === undefined && timeoutMs === undefined
        ? runUnguarded(fn)
        : runGuarded(fn, { breakerName: this.name, signal, timeoutMs });
    return running.then(
      (value) => {
        permit.success();
        return value;
      },
      (error: unknown) => {
        if (callerAborted(signal, error)) permit.abandon(error);
        else permit.failure(error);
        throw error;
      },
    );
  }

  async #runFallback(
    fallback: Fallback<TFallback>,
    error: unknown,
    why: Pick<FallbackContext, 'reason' | 'retryAfterMs'>,
  ): Promise<TFallback> {
    return fallback(error, { name: this.name, state: this.state, ...why });
  }
}

/** Whether a call ended because its caller gave up (and not because its timeout elapsed). */
function callerAborted(signal: AbortSignal | undefined, error: unknown): boolean {
  return signal?.aborted === true && !isBreakerTimeoutError(error);
}
