import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StateChangeEvent } from './breaker-events.js';
import { BreakerTimeoutError, isBreakerTimeoutError } from './breaker-timeout-error.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
import { exponentialOpenDuration } from './open-duration.js';

const boom = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

async function fail(
  breaker: { execute: (fn: () => Promise<never>) => Promise<unknown> },
  times = 1,
) {
  for (let index = 0; index < times; index++) await breaker.execute(boom).catch(() => undefined);
}

function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CLOSED → OPEN on consecutive failures', () => {
  it('opens after failureThreshold (5 by default) consecutive failures and rejects fast', async () => {
    const breaker = createCircuitBreaker({ name: 'api' });
    const changes: StateChangeEvent[] = [];
    breaker.on('stateChange', (event) => changes.push(event));
    await fail(breaker, 4);
    expect(breaker.state).toBe('CLOSED');
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
    expect(changes).toEqual([
      { name: 'api', from: 'CLOSED', to: 'OPEN', reason: 'failure-threshold' },
    ]);
    const fn = vi.fn(ok);
    const error = await breaker.execute(fn).catch((caught: unknown) => caught);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({
      code: 'CIRCUIT_OPEN',
      breakerName: 'api',
      state: 'OPEN',
      retryAfterMs: 60_000,
    });
  });

  it('a success resets the consecutive count', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3 });
    await fail(breaker, 2);
    await breaker.execute(ok);
    await fail(breaker, 2);
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.snapshot().consecutiveFailures).toBe(2);
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
  });

  it('creates no timer while closed, open or half-open without a timeout', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, openDurationMs: 1000 });
    await breaker.execute(ok);
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(breaker.state).toBe('OPEN'); // lazy: nothing happens until a call arrives
    const probe = breaker.tryAcquire();
    expect(breaker.state).toBe('HALF_OPEN');
    expect(probe.ok).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('OPEN → HALF_OPEN → CLOSED / OPEN', () => {
  it('turns HALF_OPEN lazily once the open duration elapsed, and closes after 2 successes', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, openDurationMs: 5000 });
    const reasons: string[] = [];
    breaker.on('stateChange', ({ to, reason }) => reasons.push(`${to}:${reason}`));
    await fail(breaker);
    vi.advanceTimersByTime(4999);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ retryAfterMs: 1 });
    vi.advanceTimersByTime(1);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('HALF_OPEN');
    await breaker.execute(ok);
    expect(breaker.state).toBe('CLOSED');
    expect(reasons).toEqual([
      'OPEN:failure-threshold',
      'HALF_OPEN:open-duration-elapsed',
      'CLOSED:probes-succeeded',
    ]);
  });

  it('a failing probe opens the circuit again', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, openDurationMs: 1000 });
    await fail(breaker);
    vi.advanceTimersByTime(1000);
    await breaker.execute(ok);
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.snapshot().retryAfterMs).toBe(1000);
  });

  it('HALF_OPEN admits exactly halfOpenMaxProbes concurrent probes and rejects the rest at once', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      openDurationMs: 1000,
      halfOpenMaxProbes: 3,
      halfOpenSuccessThreshold: 3,
    });
    await fail(breaker);
    vi.advanceTimersByTime(1000);
    const gates = Array.from({ length: 10 }, () => deferred());
    let started = 0;
    const calls = gates.map((gate) =>
      breaker.execute(() => {
        started++;
        return gate.promise;
      }),
    );
    const settled = await Promise.allSettled(calls.slice(3));
    expect(started).toBe(3);
    expect(settled.every((result) => result.status === 'rejected')).toBe(true);
    expect(settled.map((result) => (result as PromiseRejectedResult).reason.state)).toEqual(
      Array(7).fill('HALF_OPEN'),
    );
    for (const gate of gates.slice(0, 3)) gate.resolve('fine');
    await expect(Promise.all(calls.slice(0, 3))).resolves.toEqual(['fine', 'fine', 'fine']);
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.snapshot().metrics).toMatchObject({ totalRejections: 7 });
  });

  it('a probe slot freed by a success admits the next probe', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, openDurationMs: 10 });
    await fail(breaker);
    vi.advanceTimersByTime(10);
    const first = breaker.tryAcquire();
    const second = breaker.tryAcquire();
    expect([first.ok, second.ok]).toEqual([true, false]);
    if (!first.ok) throw new Error('unreachable');
    first.success();
    const third = breaker.tryAcquire();
    expect(third.ok).toBe(true);
    if (third.ok) third.success();
    expect(breaker.state).toBe('CLOSED');
  });

  it('a permit that is never settled cannot wedge HALF_OPEN (probe timeout)', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      openDurationMs: 1000,
      probeTimeoutMs: 30_000,
    });
    await fail(breaker);
    vi.advanceTimersByTime(1000);
    const lost = breaker.tryAcquire();
    expect(lost.ok).toBe(true);
    vi.advanceTimersByTime(29_999);
    const refused = breaker.tryAcquire();
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 1 });
    vi.advanceTimersByTime(1);
    const events: string[] = [];
    breaker.on('stateChange', ({ to, reason }) => events.push(`${to}:${reason}`));
    expect(breaker.tryAcquire().ok).toBe(false);
    expect(events).toEqual(['OPEN:probe-timeout']);
    vi.advanceTimersByTime(1000);
    const fresh = breaker.tryAcquire();
    expect(fresh.ok).toBe(true);
    // The lost permit settling late changes nothing.
    if (lost.ok) lost.failure(new Error('late'));
    expect(breaker.state).toBe('HALF_OPEN');
  });

  it('grows the open duration with exponentialOpenDuration while probes keep failing', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      openDurationMs: exponentialOpenDuration({ initialMs: 1000, jitter: 0 }),
    });
    const durations: number[] = [];
    for (let round = 0; round < 4; round++) {
      await fail(breaker);
      durations.push(breaker.snapshot().retryAfterMs);
      vi.advanceTimersByTime(durations[round]!);
    }
    expect(durations).toEqual([1000, 2000, 4000, 8000]);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await fail(breaker);
    expect(breaker.snapshot().retryAfterMs).toBe(1000);
  });
});

describe('failure rate, failure count and slow calls', () => {
  it('opens on the failure rate of a count window once minimumCalls is reached', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: Number.POSITIVE_INFINITY,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      window: { type: 'count', size: 4 },
    });
    await fail(breaker, 2); // 2 of 2: below minimumCalls
    expect(breaker.state).toBe('CLOSED');
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(ok); // window now ok, ok, ok, fail? (oldest evicted): 1 of 4
    expect(breaker.state).toBe('CLOSED');
    await fail(breaker); // ok ok ok fail → 1/4
    expect(breaker.state).toBe('CLOSED');
    const changes: StateChangeEvent[] = [];
    breaker.on('stateChange', (event) => changes.push(event));
    await fail(breaker); // ok ok fail fail → 2/4
    expect(breaker.state).toBe('OPEN');
    expect(changes[0]?.reason).toBe('failure-rate');
  });

  it('opens on "N failures in T" with a time window, and forgets failures older than T', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: Number.POSITIVE_INFINITY,
      failureCountThreshold: 3,
      window: { type: 'time', durationMs: 10_000, buckets: 10 },
    });
    await fail(breaker, 2);
    vi.advanceTimersByTime(10_000);
    await fail(breaker, 2);
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.snapshot().failureCount).toBe(2);
    vi.advanceTimersByTime(5_000);
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
  });

  it('opens on the slow-call rate and emits slowCall', async () => {
    const breaker = createCircuitBreaker({
      slowCallDurationMs: 1000,
      slowCallRateThreshold: 0.5,
      minimumCalls: 2,
    });
    const slow: number[] = [];
    breaker.on('slowCall', ({ durationMs }) => slow.push(durationMs));
    const slowCall = () =>
      breaker.execute(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return 'late';
      });
    await breaker.execute(ok);
    const pending = slowCall();
    await vi.advanceTimersByTimeAsync(1500);
    await pending;
    expect(slow).toEqual([1500]);
    expect(breaker.state).toBe('OPEN');
  });

  it('a slow probe reopens the circuit', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      openDurationMs: 100,
      slowCallDurationMs: 1000,
    });
    await fail(breaker);
    vi.advanceTimersByTime(100);
    const permit = breaker.tryAcquire();
    vi.advanceTimersByTime(1000);
    if (permit.ok) permit.success();
    expect(breaker.state).toBe('OPEN');
  });
});

describe('classification', () => {
  it('honours a classifier verdict: ignored and success do not count as failures', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      classify: (error) => ((error as Error).message === 'ignore me' ? 'ignored' : 'success'),
    });
    const ignored: unknown[] = [];
    const successes: number[] = [];
    breaker.on('ignored', ({ error }) => ignored.push(error));
    breaker.on('success', ({ durationMs }) => successes.push(durationMs));
    await expect(breaker.execute(() => Promise.reject(new Error('ignore me')))).rejects.toThrow();
    await expect(breaker.execute(() => Promise.reject(new Error('fine')))).rejects.toThrow('fine');
    expect(breaker.state).toBe('CLOSED');
    expect(ignored).toHaveLength(1);
    expect(successes).toHaveLength(1);
    expect(breaker.snapshot().metrics).toMatchObject({ totalSuccesses: 1, totalFailures: 0 });
  });

  it('an "open" verdict opens at once for its retryAfterMs (a 429 with Retry-After)', async () => {
    const breaker = createCircuitBreaker({ name: 'llm' });
    const rateLimited = Object.assign(new Error('429'), {
      status: 429,
      headers: new Headers({ 'retry-after': '7' }),
    });
    const changes: StateChangeEvent[] = [];
    breaker.on('stateChange', (event) => changes.push(event));
    await expect(breaker.execute(() => Promise.reject(rateLimited))).rejects.toBe(rateLimited);
    expect(changes).toEqual([{ name: 'llm', from: 'CLOSED', to: 'OPEN', reason: 'rate-limited' }]);
    const rejection = breaker.tryAcquire();
    expect(rejection).toMatchObject({ ok: false, retryAfterMs: 7000 });
    vi.advanceTimersByTime(7000);
    expect(breaker.tryAcquire().ok).toBe(true);
  });

  it('a failure carrying Retry-After sets the open duration when it trips the circuit', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    const unavailable = Object.assign(new Error('503'), {
      status: 503,
      headers: { 'retry-after': '3' },
    });
    await fail(breaker);
    await breaker.execute(() => Promise.reject(unavailable)).catch(() => undefined);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.snapshot().retryAfterMs).toBe(3000);
  });
});

describe('execute: signals, timeouts, results, fallback', () => {
  it('passes a signal to fn; the caller abort rejects and is ignored', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    const controller = new AbortController();
    const ignored: unknown[] = [];
    breaker.on('ignored', ({ error }) => ignored.push(error));
    const call = breaker.execute(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      { signal: controller.signal },
    );
    controller.abort(new Error('user left'));
    await expect(call).rejects.toThrow('user left');
    expect(breaker.state).toBe('CLOSED');
    expect(ignored).toHaveLength(1);
    // An already-aborted signal never runs fn.
    const fn = vi.fn(ok);
    await expect(breaker.execute(fn, { signal: controller.signal })).rejects.toThrow('user left');
    expect(fn).not.toHaveBeenCalled();
  });

  it('a timeout aborts only that call, counts as a failure and clears its timer', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>(() => {});
    };
    const slow = breaker.execute(hang, { timeoutMs: 100 });
    const other = breaker.execute(hang, { timeoutMs: 1000 });
    const quick = breaker.execute(ok, { timeoutMs: 50 });
    await expect(quick).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(2);
    const assertion = expect(slow).rejects.toBeInstanceOf(BreakerTimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(signals[0]!.aborted).toBe(true);
    expect(isBreakerTimeoutError(signals[0]!.reason)).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    expect(breaker.snapshot().metrics.totalFailures).toBe(1);
    const otherAssertion = expect(other).rejects.toMatchObject({
      code: 'BREAKER_TIMEOUT',
      timeoutMs: 1000,
    });
    await vi.advanceTimersByTimeAsync(900);
    await otherAssertion;
    expect(breaker.state).toBe('OPEN');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the caller abort settles the call at once even when fn ignores its signal', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const received: AbortSignal[] = [];
    const call = breaker.execute(
      (signal) => {
        received.push(signal);
        return new Promise<string>(() => {}); // never settles, never looks at the signal
      },
      { signal: controller.signal },
    );
    const assertion = expect(call).rejects.toThrow('user left');
    controller.abort(new Error('user left'));
    await assertion;
    expect(received).toEqual([controller.signal]); // no timeout: fn gets the caller's own signal
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0]![1]);
    expect(vi.getTimerCount()).toBe(0);
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.snapshot().metrics).toMatchObject({
      totalCalls: 1,
      totalSuccesses: 0,
      totalFailures: 0,
    });
    // A call that ends normally removes its listener too.
    const other = new AbortController();
    const otherRemoved = vi.spyOn(other.signal, 'removeEventListener');
    await expect(breaker.execute(ok, { signal: other.signal })).resolves.toBe('ok');
    expect(otherRemoved).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('frees the HALF_OPEN probe slot when the caller aborts a probe', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, openDurationMs: 1000 });
    await fail(breaker);
    vi.advanceTimersByTime(1000);
    const controller = new AbortController();
    const probe = breaker.execute(() => new Promise<string>(() => {}), {
      signal: controller.signal,
    });
    expect(breaker.state).toBe('HALF_OPEN');
    await expect(breaker.execute(ok)).rejects.toMatchObject({ state: 'HALF_OPEN' });
    controller.abort(new Error('gone'));
    await expect(probe).rejects.toThrow('gone');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('removes its listener from the caller signal after a timed call', async () => {
    const breaker = createCircuitBreaker();
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    await breaker.execute(ok, { signal: controller.signal, timeoutMs: 100 });
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('tryExecute resolves with values, failures and rejections instead of throwing', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    await expect(breaker.tryExecute(ok)).resolves.toEqual({ ok: true, value: 'ok' });
    const failed = await breaker.tryExecute(boom);
    expect(failed).toMatchObject({ ok: false, rejected: false });
    const rejected = await breaker.tryExecute(ok);
    expect(rejected).toMatchObject({ ok: false, rejected: true, retryAfterMs: 60_000 });
    if (!rejected.ok) expect(isCircuitOpenError(rejected.error)).toBe(true);
  });

  it('uses the fallback for rejections, failures and timeouts, not for the caller abort', async () => {
    const fallback = vi.fn(
      (_error: unknown, context: { reason: string }) => `fallback:${context.reason}`,
    );
    const breaker = createCircuitBreaker({ failureThreshold: 2, fallback });
    await expect(breaker.execute(boom)).resolves.toBe('fallback:error');
    const timed = breaker.execute(() => new Promise<string>(() => {}), { timeoutMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    await expect(timed).resolves.toBe('fallback:timeout');
    await expect(breaker.execute(ok)).resolves.toBe('fallback:rejected');
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(breaker.execute(ok, { signal: controller.signal })).rejects.toThrow('gone');
    expect(fallback.mock.calls[2]?.[1]).toMatchObject({
      reason: 'rejected',
      state: 'OPEN',
      retryAfterMs: 60_000,
    });
  });

  it('accepts synchronous functions and synchronous throws', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    await expect(breaker.execute(() => 42)).resolves.toBe(42);
    await expect(
      breaker.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(breaker.state).toBe('OPEN');
  });
});

describe('permits', () => {
  it('settles once: release after success is a no-op', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    const permit = breaker.tryAcquire();
    if (!permit.ok) throw new Error('expected a permit');
    permit.success();
    permit.failure(new Error('ignored: already settled'));
    permit.release();
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.snapshot().metrics).toMatchObject({
      totalCalls: 1,
      totalSuccesses: 1,
      totalFailures: 0,
    });
  });

  it('failure(error) goes through the classifier', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    const permit = breaker.tryAcquire();
    if (!permit.ok) throw new Error('expected a permit');
    permit.failure(Object.assign(new Error('context too long'), { status: 400 }));
    expect(breaker.state).toBe('CLOSED');
    const next = breaker.tryAcquire();
    if (next.ok) next.failure(Object.assign(new Error('overloaded'), { status: 529 }));
    expect(breaker.state).toBe('OPEN');
  });

  it('a rejection builds its error only when read', () => {
    const breaker = createCircuitBreaker();
    breaker.forceOpen();
    const rejection = breaker.tryAcquire();
    if (rejection.ok) throw new Error('expected a rejection');
    expect(Object.keys(rejection)).not.toContain('error');
    expect(rejection.error).toBe(rejection.error);
    expect(rejection.error.state).toBe('FORCED_OPEN');
  });
});

describe('operators and run-time settings', () => {
  it('FORCED_OPEN rejects everything, DISABLED admits everything and records nothing, reset closes', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    breaker.forceOpen();
    await expect(breaker.execute(ok)).rejects.toMatchObject({ state: 'FORCED_OPEN' });
    breaker.disable();
    await fail(breaker, 3);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('DISABLED');
    expect(breaker.snapshot().metrics.totalFailures).toBe(0);
    const permit = breaker.tryAcquire();
    expect(permit.ok).toBe(true);
    breaker.reset();
    expect(breaker.state).toBe('CLOSED');
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
  });

  it('configure() changes thresholds without losing state or counts', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 10,
      window: { type: 'count', size: 10 },
    });
    await fail(breaker, 3);
    breaker.configure({ failureThreshold: 4, window: { type: 'count', size: 5 } });
    expect(breaker.snapshot()).toMatchObject({ consecutiveFailures: 3, failureCount: 3 });
    expect(breaker.settings.failureThreshold).toBe(4);
    await fail(breaker);
    expect(breaker.state).toBe('OPEN');
    expect(() => breaker.configure({ halfOpenMaxProbes: 0 })).toThrow(
      new RangeError('halfOpenMaxProbes must be an integer ≥ 1, got 0'),
    );
    expect(breaker.settings.halfOpenMaxProbes).toBe(1);
    expect(breaker.state).toBe('OPEN');
  });

  it('ignores a broken open duration: NaN from a function, a negative Retry-After', async () => {
    const nan = createCircuitBreaker({ failureThreshold: 1, openDurationMs: () => Number.NaN });
    await fail(nan);
    expect(nan.snapshot().retryAfterMs).toBe(60_000);
    const negative = createCircuitBreaker({
      openDurationMs: 2_000,
      classify: () => ({ verdict: 'open', retryAfterMs: -5 }),
    });
    await fail(negative);
    expect(negative.state).toBe('OPEN');
    expect(negative.snapshot().retryAfterMs).toBe(2_000);
  });

  it('validates options with precise messages', () => {
    expect(() => createCircuitBreaker({ failureThreshold: 0 })).toThrow(
      new RangeError('failureThreshold must be an integer ≥ 1, got 0'),
    );
    expect(() => createCircuitBreaker({ failureRateThreshold: 50 })).toThrow(
      new RangeError('failureRateThreshold must be > 0 and ≤ 1, got 50'),
    );
    expect(() => createCircuitBreaker({ window: { type: 'time', durationMs: -1 } })).toThrow(
      new RangeError('window.durationMs must be a finite number > 0, got -1'),
    );
    expect(() => createCircuitBreaker({ openDurationMs: -5 })).toThrow(RangeError);
    expect(() => createCircuitBreaker({ name: '' })).toThrow(TypeError);
    expect(() => createCircuitBreaker({ clock: 5 as unknown as () => number })).toThrow(
      new TypeError('clock must be a function, got number'),
    );
    expect(() => createCircuitBreaker({ window: { type: 'count', size: 0 } })).toThrow(
      new RangeError('window.size must be an integer ≥ 1, got 0'),
    );
    expect(() => createCircuitBreaker({ probeTimeoutMs: Number.POSITIVE_INFINITY })).toThrow(
      new RangeError('probeTimeoutMs must be a finite number > 0, got Infinity'),
    );
    expect(() => createCircuitBreaker({ timeoutMs: 0 })).toThrow(
      new RangeError('timeoutMs must be a finite number > 0, got 0'),
    );
    expect(() => createCircuitBreaker({ slowCallRateThreshold: 0 })).toThrow(
      new RangeError('slowCallRateThreshold must be > 0 and ≤ 1, got 0'),
    );
    expect(() =>
      createCircuitBreaker({
        window: { type: 'sliding' } as unknown as { type: 'count'; size: 1 },
      }),
    ).toThrow(new TypeError("window.type must be 'count' or 'time', got sliding"));
  });

  it('exponentialOpenDuration validates its options', () => {
    expect(() => exponentialOpenDuration({ initialMs: 0 })).toThrow(
      new RangeError('initialMs must be a finite number > 0, got 0'),
    );
    expect(() => exponentialOpenDuration({ initialMs: 1000, maxMs: 10 })).toThrow(
      new RangeError('maxMs must be ≥ initialMs (1000), got 10'),
    );
    expect(() => exponentialOpenDuration({ factor: 0.5 })).toThrow(
      new RangeError('factor must be a finite number ≥ 1, got 0.5'),
    );
    expect(() => exponentialOpenDuration({ jitter: 2 })).toThrow(
      new RangeError('jitter must be between 0 and 1, got 2'),
    );
    expect(() => exponentialOpenDuration({ random: 1 as unknown as () => number })).toThrow(
      new TypeError('random must be a function, got number'),
    );
    // Jitter spreads ± jitter × base around the base duration.
    const low = exponentialOpenDuration({ initialMs: 1000, jitter: 0.5, random: () => 0 });
    const high = exponentialOpenDuration({ initialMs: 1000, jitter: 0.5, random: () => 0.999 });
    expect(low({ name: 'x', openCount: 1, error: undefined })).toBe(500);
    expect(high({ name: 'x', openCount: 1, error: undefined })).toBe(1499);
    expect(low({ name: 'x', openCount: 20, error: undefined })).toBe(150_000);
  });
});

describe('snapshot', () => {
  it('has the shape the gateway serves', async () => {
    const breaker = createCircuitBreaker({
      name: 'gpt-4o',
      failureThreshold: 2,
      openDurationMs: 30_000,
    });
    await breaker.execute(ok);
    await fail(breaker, 2);
    await breaker.execute(ok).catch(() => undefined);
    vi.advanceTimersByTime(10_000);
    expect(breaker.snapshot()).toEqual({
      name: 'gpt-4o',
      state: 'OPEN',
      failureCount: 2,
      successCount: 1,
      consecutiveFailures: 2,
      slowCallCount: 0,
      openedAt: 1_000_000,
      retryAfterMs: 20_000,
      metrics: {
        totalCalls: 4,
        totalSuccesses: 1,
        totalFailures: 2,
        totalRejections: 1,
        successRate: 1 / 3,
      },
    });
  });
});

describe('cross-package contracts', () => {
  it('fits the structural guard and permit shapes other packages accept', async () => {
    interface Guard {
      execute<T>(
        fn: (signal: AbortSignal) => Promise<T>,
        options?: { signal?: AbortSignal },
      ): Promise<T>;
    }
    interface PermitSource {
      tryAcquire():
        | { readonly ok: true; success(): void; failure(error: unknown): void; release(): void }
        | {
            readonly ok: false;
            readonly error: Error & { code: string };
            readonly retryAfterMs: number;
          };
    }
    const breaker = createCircuitBreaker({ name: 'contract' });
    const guard: Guard = breaker;
    const source: PermitSource = breaker;
    await expect(guard.execute(async (signal) => signal instanceof AbortSignal)).resolves.toBe(
      true,
    );
    breaker.forceOpen();
    const rejection = source.tryAcquire();
    expect(rejection.ok ? undefined : rejection.error.code).toBe('CIRCUIT_OPEN');
  });
});

describe('errors', () => {
  it('guards recognise errors from another copy of the package by their brand', () => {
    const foreign = Object.create({
      [Symbol.for('breakwater.circuit-breaker.CircuitOpenError')]: true,
    }) as object;
    expect(isCircuitOpenError(foreign)).toBe(true);
    expect(isCircuitOpenError(new Error('x'))).toBe(false);
    expect(isBreakerTimeoutError(new BreakerTimeoutError('a', 1))).toBe(true);
    expect(isBreakerTimeoutError(null)).toBe(false);
  });
});
