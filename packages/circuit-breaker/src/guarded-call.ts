import { BreakerTimeoutError } from './breaker-timeout-error.js';
import { neverAbortedSignal } from './never-aborted-signal.js';

/** What a call through the breaker is guarded by. @internal */
export interface CallGuard {
  /** Name of the breaker, for the timeout error. */
  readonly breakerName: string;
  /** The caller's signal: its abort settles the call at once with the signal's reason. */
  readonly signal: AbortSignal | undefined;
  /** The call's timeout: when it elapses, `fn`'s signal aborts and the call fails. */
  readonly timeoutMs: number | undefined;
}

/**
 * Runs `fn` with nothing to guard: no listener, no timer, no controller to allocate. A
 * synchronous throw becomes a rejection.
 * @internal
 */
export function runUnguarded<T>(fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(fn(neverAbortedSignal()));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs `fn` so that the caller's abort or the timeout settles the call at once, even when
 * `fn` ignores its signal. Listeners and the timer are removed however the call ends.
 * @internal
 */
export function runGuarded<T>(
  fn: (signal: AbortSignal) => Promise<T> | T,
  guard: CallGuard,
): Promise<T> {
  const { signal: callerSignal, timeoutMs } = guard;
  return new Promise<T>((resolve, reject) => {
    if (callerSignal?.aborted) {
      reject(callerSignal.reason);
      return;
    }
    // Without a timeout, fn gets the caller's own signal.
    const controller = timeoutMs === undefined ? undefined : new AbortController();
    const onCallerAbort = () => {
      cleanup();
      reject(callerSignal!.reason);
      controller?.abort(callerSignal!.reason);
    };
    // Not unref'd: a pending call must settle with its timeout, not vanish with the process.
    // The promise settles first, so the timeout error wins over whatever fn throws on abort.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            cleanup();
            const error = new BreakerTimeoutError(guard.breakerName, timeoutMs);
            reject(error);
            controller!.abort(error);
          }, timeoutMs);
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let pending: Promise<T> | T;
    try {
      pending = fn(controller?.signal ?? callerSignal!);
    } catch (error) {
      cleanup();
      reject(error);
      return;
    }
    Promise.resolve(pending).then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
