/** Permission to run one stream, settled when the stream ends (the circuit breaker's shape). */
export interface GuardPermit {
  readonly ok: true;
  /** The stream completed. */
  success(): void;
  /** The upstream failed (before or after the first token). */
  failure(error: unknown): void;
  /** The caller cancelled: neither a success nor a failure of the upstream. */
  release(): void;
}

/** A refusal: the guard (an open circuit) does not let the stream start. */
export interface GuardRejection {
  readonly ok: false;
  readonly error: Error & { code: string };
  readonly retryAfterMs: number;
}

/** A guard that hands out permits, like `@breakwater/circuit-breaker`'s `tryAcquire()`. */
export interface PermitGuard {
  tryAcquire(): GuardPermit | GuardRejection;
}

/** A guard that wraps a call, like a circuit breaker's `execute()`; the call spans the stream. */
export interface ExecuteGuard {
  execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
}

/** Anything that can guard a source: `tryAcquire()` is used when present, else `execute()`. */
export type StreamGuard = PermitGuard | ExecuteGuard;

/**
 * Asks a guard for a permit. An `execute()` guard becomes a permit by running a call that stays
 * open until the permit is settled; if `execute()` rejects without running it, that is a refusal.
 */
export function acquirePermit(
  guard: StreamGuard,
  signal: AbortSignal,
): GuardPermit | GuardRejection | Promise<GuardPermit | GuardRejection> {
  if ('tryAcquire' in guard && typeof guard.tryAcquire === 'function') return guard.tryAcquire();
  const executeGuard = guard as ExecuteGuard;
  return new Promise((resolve) => {
    let started = false;
    const call = executeGuard.execute(
      () =>
        new Promise<void>((settleSuccess, settleFailure) => {
          started = true;
          resolve({
            ok: true,
            success: () => settleSuccess(),
            failure: (error) => settleFailure(error),
            // A cancel is not the provider's fault: the guard sees it as a success.
            release: () => settleSuccess(),
          });
        }),
      { signal },
    );
    call.then(undefined, (error: unknown) => {
      if (started) return;
      const rejection = error as Error & { code?: unknown; retryAfterMs?: unknown };
      resolve({
        ok: false,
        error: Object.assign(error instanceof Error ? error : new Error(String(error)), {
          code: typeof rejection?.code === 'string' ? rejection.code : 'GUARD_REJECTED',
        }),
        retryAfterMs: typeof rejection?.retryAfterMs === 'number' ? rejection.retryAfterMs : 0,
      });
    });
  });
}
