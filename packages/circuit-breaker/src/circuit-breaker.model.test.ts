import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BreakerPermit } from './breaker-permit.js';
import type { BreakerState } from './breaker-state.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { type CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
import type { ErrorVerdict } from './classify-error.js';

/**
 * Model-based test: random sequences of acquisitions, outcomes (in any order, so calls
 * overlap), clock jumps and operator actions run against the breaker and against a small
 * reference model written as plainly as possible (arrays, no ring buffers, no epochs
 * shared with the implementation). After every step both must agree.
 */

interface Config {
  failureThreshold: number;
  failureRateThreshold: number | undefined;
  failureCountThreshold: number | undefined;
  minimumCalls: number;
  window: { type: 'count'; size: number } | { type: 'time'; bucketMs: number; buckets: number };
  slowCallDurationMs: number | undefined;
  slowCallRateThreshold: number;
  openDurationMs: number;
  halfOpenMaxProbes: number;
  halfOpenSuccessThreshold: number;
  probeTimeoutMs: number;
}

type Outcome =
  | { kind: 'success' }
  | { kind: 'failure' }
  | { kind: 'client' }
  | { kind: 'ignore' }
  | { kind: 'release' }
  | { kind: 'limit'; retryAfterMs: number };

type Step =
  | { type: 'acquire' }
  | { type: 'settle'; index: number; outcome: Outcome }
  | { type: 'advance'; ms: number }
  | { type: 'forceOpen' }
  | { type: 'disable' }
  | { type: 'reset' };

interface ModelPermit {
  readonly epoch: number;
  readonly probe: boolean;
  readonly start: number;
  readonly disabled: boolean;
}

interface Entry {
  readonly time: number;
  readonly failure: boolean;
  readonly slow: boolean;
}

class Model {
  state: BreakerState = 'CLOSED';
  epoch = 0;
  consecutive = 0;
  entries: Entry[] = [];
  openUntil = 0;
  openedAt: number | null = null;
  probes: ModelPermit[] = [];
  probeSuccesses = 0;
  totals = { calls: 0, successes: 0, failures: 0, rejections: 0 };

  constructor(private readonly config: Config) {}

  acquire(now: number): { ok: true; permit: ModelPermit } | { ok: false; retryAfterMs: number } {
    const config = this.config;
    if (this.state === 'DISABLED')
      return { ok: true, permit: { epoch: -1, probe: false, start: now, disabled: true } };
    if (this.state === 'CLOSED') {
      this.totals.calls++;
      return { ok: true, permit: { epoch: this.epoch, probe: false, start: now, disabled: false } };
    }
    if (this.state === 'OPEN' && now >= this.openUntil) this.moveTo('HALF_OPEN', now);
    if (this.state === 'HALF_OPEN') {
      if (this.probes.length < config.halfOpenMaxProbes) {
        this.totals.calls++;
        const permit = { epoch: this.epoch, probe: true, start: now, disabled: false };
        this.probes.push(permit);
        return { ok: true, permit };
      }
      const oldest = Math.min(...this.probes.map((probe) => probe.start));
      if (now - oldest >= config.probeTimeoutMs) this.open(now, undefined);
    }
    this.totals.calls++;
    this.totals.rejections++;
    return { ok: false, retryAfterMs: this.retryAfter(now) };
  }

  retryAfter(now: number): number {
    if (this.state === 'OPEN') return Math.max(0, this.openUntil - now);
    if (this.state === 'FORCED_OPEN') return this.config.openDurationMs;
    if (this.state === 'HALF_OPEN') {
      const oldest = Math.min(...this.probes.map((probe) => probe.start));
      return Math.min(1000, Math.max(0, oldest + this.config.probeTimeoutMs - now));
    }
    return 0;
  }

  settle(permit: ModelPermit, outcome: Outcome, now: number): void {
    if (permit.disabled) return;
    const config = this.config;
    const current = permit.epoch === this.epoch;
    const dropProbe = () => {
      if (permit.probe && current) this.probes.splice(this.probes.indexOf(permit), 1);
    };
    const duration = now - permit.start;
    const slow = config.slowCallDurationMs !== undefined && duration >= config.slowCallDurationMs;
    switch (outcome.kind) {
      case 'ignore':
      case 'release':
        dropProbe();
        return;
      case 'success':
      case 'client':
        this.totals.successes++;
        if (!current) return;
        if (permit.probe) {
          dropProbe();
          this.record(now, false, slow);
          if (slow) this.open(now, undefined);
          else if (++this.probeSuccesses >= config.halfOpenSuccessThreshold)
            this.moveTo('CLOSED', now);
          return;
        }
        if (this.state !== 'CLOSED') return;
        this.consecutive = 0;
        this.record(now, false, slow);
        if (slow && this.shouldTrip(now)) this.open(now, undefined);
        return;
      case 'limit':
        this.totals.failures++;
        dropProbe();
        if (this.state === 'CLOSED' || this.state === 'HALF_OPEN')
          this.open(now, outcome.retryAfterMs);
        return;
      case 'failure':
        this.totals.failures++;
        if (!current) return;
        if (permit.probe) {
          dropProbe();
          this.open(now, undefined);
          return;
        }
        if (this.state !== 'CLOSED') return;
        this.consecutive++;
        this.record(now, true, slow);
        if (this.shouldTrip(now)) this.open(now, undefined);
    }
  }

  window(now: number): Entry[] {
    const window = this.config.window;
    if (window.type === 'count') return this.entries.slice(-window.size);
    const head = Math.floor(now / window.bucketMs);
    return this.entries.filter(
      (entry) => Math.floor(entry.time / window.bucketMs) > head - window.buckets,
    );
  }

  record(now: number, failure: boolean, slow: boolean) {
    this.entries.push({ time: now, failure, slow });
  }

  shouldTrip(now: number): boolean {
    const config = this.config;
    const window = this.window(now);
    const failures = window.filter((entry) => entry.failure).length;
    const slow = window.filter((entry) => entry.slow).length;
    if (this.consecutive >= config.failureThreshold) return true;
    if (config.failureCountThreshold !== undefined && failures >= config.failureCountThreshold)
      return true;
    if (window.length < config.minimumCalls) return false;
    if (
      config.failureRateThreshold !== undefined &&
      failures / window.length >= config.failureRateThreshold
    ) {
      return true;
    }
    return (
      config.slowCallDurationMs !== undefined &&
      slow / window.length >= config.slowCallRateThreshold
    );
  }

  open(now: number, retryAfterMs: number | undefined) {
    this.openedAt = now;
    this.openUntil = now + (retryAfterMs ?? this.config.openDurationMs);
    this.moveTo('OPEN', now);
  }

  moveTo(state: BreakerState, now: number) {
    this.state = state;
    this.epoch++;
    this.probes = [];
    this.probeSuccesses = 0;
    if (state === 'CLOSED' || state === 'HALF_OPEN') {
      this.entries = [];
      this.consecutive = 0;
    }
    if (state === 'CLOSED' || state === 'DISABLED') this.openedAt = null;
    if (state === 'FORCED_OPEN') this.openedAt = now;
  }
}

const configArbitrary: fc.Arbitrary<Config> = fc.record({
  failureThreshold: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Number.POSITIVE_INFINITY)),
  failureRateThreshold: fc.option(fc.constantFrom(0.25, 0.5, 1), { nil: undefined }),
  failureCountThreshold: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  minimumCalls: fc.integer({ min: 1, max: 5 }),
  window: fc.oneof(
    fc.record({ type: fc.constant('count' as const), size: fc.integer({ min: 1, max: 6 }) }),
    fc.record({
      type: fc.constant('time' as const),
      bucketMs: fc.constantFrom(100, 250),
      buckets: fc.integer({ min: 1, max: 5 }),
    }),
  ),
  slowCallDurationMs: fc.option(fc.constantFrom(50, 300), { nil: undefined }),
  slowCallRateThreshold: fc.constantFrom(0.5, 1),
  openDurationMs: fc.constantFrom(100, 1000, 5000),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
  halfOpenSuccessThreshold: fc.integer({ min: 1, max: 3 }),
  probeTimeoutMs: fc.constantFrom(200, 2000),
});

const outcomeArbitrary: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'success' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'failure' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'client' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ignore' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('limit' as const),
      retryAfterMs: fc.integer({ min: 0, max: 3000 }),
    }),
  },
);

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ type: 'acquire' as const }) },
  {
    weight: 10,
    arbitrary: fc.record({
      type: fc.constant('settle' as const),
      index: fc.nat(),
      outcome: outcomeArbitrary,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('advance' as const),
      // Exact durations hit the boundaries (elapsed === openDurationMs, probeTimeoutMs…).
      ms: fc.oneof(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.constantFrom(1, 50, 99, 100, 199, 200, 250, 300, 1000, 2000, 5000),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { type: 'forceOpen' as const },
      { type: 'disable' as const },
      { type: 'reset' as const },
      { type: 'reset' as const },
    ),
  },
);

function classify(error: unknown): ErrorVerdict | { verdict: ErrorVerdict; retryAfterMs: number } {
  const outcome = error as Outcome;
  if (outcome.kind === 'limit') return { verdict: 'open', retryAfterMs: outcome.retryAfterMs };
  if (outcome.kind === 'client') return 'success';
  if (outcome.kind === 'ignore') return 'ignored';
  return 'failure';
}

/** An operator action on the breaker (both model tests take them), mirrored in the model. */
function operate(
  action: 'forceOpen' | 'disable' | 'reset',
  breaker: ReturnType<typeof createCircuitBreaker>,
  model: Model,
  now: number,
): void {
  breaker[action]();
  if (action === 'reset') model.moveTo('CLOSED', now);
  else {
    const state = action === 'forceOpen' ? 'FORCED_OPEN' : 'DISABLED';
    if (model.state !== state) model.moveTo(state, now);
  }
}

function run(config: Config, steps: Step[]) {
  let now = 1_000_000;
  const window =
    config.window.type === 'count'
      ? config.window
      : {
          type: 'time' as const,
          durationMs: config.window.bucketMs * config.window.buckets,
          buckets: config.window.buckets,
        };
  const breaker = createCircuitBreaker({
    ...config,
    window,
    classify,
    clock: () => now,
  });
  const model = new Model(config);
  breaker.on('stateChange', ({ reason }) => {
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  });
  const pending: Array<{ real: BreakerPermit; model: ModelPermit }> = [];
  for (const [index, step] of steps.entries()) {
    const where = `step ${index} ${JSON.stringify(step)}`;
    switch (step.type) {
      case 'acquire': {
        const real = breaker.tryAcquire();
        const expected = model.acquire(now);
        expect(real.ok, where).toBe(expected.ok);
        if (real.ok && expected.ok) pending.push({ real, model: expected.permit });
        if (!real.ok && !expected.ok) expect(real.retryAfterMs, where).toBe(expected.retryAfterMs);
        break;
      }
      case 'settle': {
        if (pending.length === 0) break;
        const [permit] = pending.splice(step.index % pending.length, 1);
        const { outcome } = step;
        if (outcome.kind === 'success') permit!.real.success();
        else if (outcome.kind === 'release') permit!.real.release();
        else permit!.real.failure(outcome);
        model.settle(permit!.model, outcome, now);
        break;
      }
      case 'advance':
        now += step.ms;
        break;
      case 'forceOpen':
      case 'disable':
      case 'reset':
        operate(step.type, breaker, model, now);
        break;
    }
    expect(breaker.state, where).toBe(model.state);
    const snapshot = breaker.snapshot();
    const window = model.window(now);
    const failures = window.filter((entry) => entry.failure).length;
    expect(
      {
        failureCount: snapshot.failureCount,
        successCount: snapshot.successCount,
        slowCallCount: snapshot.slowCallCount,
        consecutiveFailures: snapshot.consecutiveFailures,
        openedAt: snapshot.openedAt,
        retryAfterMs: snapshot.retryAfterMs,
        totalCalls: snapshot.metrics.totalCalls,
        totalSuccesses: snapshot.metrics.totalSuccesses,
        totalFailures: snapshot.metrics.totalFailures,
        totalRejections: snapshot.metrics.totalRejections,
      },
      where,
    ).toEqual({
      failureCount: failures,
      successCount: window.length - failures,
      slowCallCount: window.filter((entry) => entry.slow).length,
      consecutiveFailures: model.consecutive,
      openedAt: model.openedAt,
      retryAfterMs:
        model.state === 'OPEN' || model.state === 'FORCED_OPEN' ? model.retryAfter(now) : 0,
      totalCalls: model.totals.calls,
      totalSuccesses: model.totals.successes,
      totalFailures: model.totals.failures,
      totalRejections: model.totals.rejections,
    });
  }
}

/** How a call of the execute() variant of the model test is made. */
type Via = 'permit' | 'execute' | 'execute-with-signal';

interface PendingCall {
  readonly model: ModelPermit;
  readonly settle: (outcome: Outcome) => void;
  /** Whether `release` can be expressed: by the caller's abort, or by the permit itself. */
  readonly canRelease: boolean;
}

/** Lets the breaker see the outcome of a settled execute() call (a few promise hops). */
async function flush() {
  for (let hop = 0; hop < 6; hop++) await Promise.resolve();
}

/**
 * Like run(), but calls go through execute() (lean closed path, or the guarded path with a
 * caller signal whose abort stands for `release`) as well as through permits.
 */
async function runWithExecute(config: Config, steps: Array<Step & { via?: Via }>) {
  let now = 1_000_000;
  const window =
    config.window.type === 'count'
      ? config.window
      : {
          type: 'time' as const,
          durationMs: config.window.bucketMs * config.window.buckets,
          buckets: config.window.buckets,
        };
  const breaker = createCircuitBreaker({ ...config, window, classify, clock: () => now });
  const model = new Model(config);
  const pending: PendingCall[] = [];
  for (const [index, step] of steps.entries()) {
    const where = `step ${index} ${JSON.stringify(step)}`;
    switch (step.type) {
      case 'acquire': {
        const expected = model.acquire(now);
        const via = step.via ?? 'permit';
        if (via === 'permit') {
          const real = breaker.tryAcquire();
          expect(real.ok, where).toBe(expected.ok);
          if (real.ok && expected.ok) {
            pending.push({
              model: expected.permit,
              canRelease: true,
              settle: (outcome) => {
                if (outcome.kind === 'success') real.success();
                else if (outcome.kind === 'release') real.release();
                else real.failure(outcome);
              },
            });
          }
          if (!real.ok && !expected.ok)
            expect(real.retryAfterMs, where).toBe(expected.retryAfterMs);
          break;
        }
        const controller = via === 'execute-with-signal' ? new AbortController() : undefined;
        let resolve!: (value: string) => void;
        let reject!: (error: unknown) => void;
        let ran = false;
        const call = breaker.execute(
          () => {
            ran = true;
            return new Promise<string>((res, rej) => {
              resolve = res;
              reject = rej;
            });
          },
          controller ? { signal: controller.signal } : undefined,
        );
        const outcome = call.then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(ran, where).toBe(expected.ok);
        if (expected.ok) {
          pending.push({
            model: expected.permit,
            canRelease: controller !== undefined,
            settle: (result) => {
              if (result.kind === 'success') resolve('ok');
              else if (result.kind === 'release') controller!.abort(new Error('caller left'));
              else reject(result);
            },
          });
        } else {
          const error = await outcome;
          expect(isCircuitOpenError(error), where).toBe(true);
          expect((error as CircuitOpenError).retryAfterMs, where).toBe(expected.retryAfterMs);
        }
        break;
      }
      case 'settle': {
        if (pending.length === 0) break;
        const [call] = pending.splice(step.index % pending.length, 1);
        // Without a caller signal, an execute() call cannot be released: it ends ignored instead.
        const outcome: Outcome =
          step.outcome.kind === 'release' && !call!.canRelease ? { kind: 'ignore' } : step.outcome;
        call!.settle(outcome);
        await flush();
        model.settle(call!.model, outcome, now);
        break;
      }
      case 'advance':
        now += step.ms;
        break;
      case 'forceOpen':
      case 'disable':
      case 'reset':
        operate(step.type, breaker, model, now);
        break;
    }
    expect(breaker.state, where).toBe(model.state);
    const snapshot = breaker.snapshot();
    expect(
      {
        consecutiveFailures: snapshot.consecutiveFailures,
        openedAt: snapshot.openedAt,
        totalCalls: snapshot.metrics.totalCalls,
        totalSuccesses: snapshot.metrics.totalSuccesses,
        totalFailures: snapshot.metrics.totalFailures,
        totalRejections: snapshot.metrics.totalRejections,
        failureCount: snapshot.failureCount,
      },
      where,
    ).toEqual({
      consecutiveFailures: model.consecutive,
      openedAt: model.openedAt,
      totalCalls: model.totals.calls,
      totalSuccesses: model.totals.successes,
      totalFailures: model.totals.failures,
      totalRejections: model.totals.rejections,
      failureCount: model.window(now).filter((entry) => entry.failure).length,
    });
  }
  // Settle what is left, so no call stays pending after the run.
  for (const call of pending.splice(0)) call.settle({ kind: 'success' });
  await flush();
}

/** How often each transition reason occurred across all runs. */
const reasons = new Map<string, number>();

describe('circuit breaker against a reference model', () => {
  it('never diverges over random calls, outcomes, overlaps, clock jumps and operator actions', () => {
    fc.assert(
      fc.property(
        configArbitrary,
        fc.array(stepArbitrary, { minLength: 30, maxLength: 120, size: 'max' }),
        (config, steps) => {
          run(config, steps);
        },
      ),
      { numRuns: 500 },
    );
    // The random walks must reach every transition, or a passing run would prove little.
    expect([...reasons.keys()].sort()).toEqual([
      'disabled',
      'failure-count',
      'failure-rate',
      'failure-threshold',
      'forced-open',
      'open-duration-elapsed',
      'probe-failed',
      'probe-slow',
      'probe-timeout',
      'probes-succeeded',
      'rate-limited',
      'reset',
      'slow-call-rate',
    ]);
  }, 120_000);

  it('agrees when calls go through execute(), with and without a caller signal', async () => {
    const viaArbitrary: fc.Arbitrary<Via> = fc.constantFrom(
      'permit',
      'execute',
      'execute-with-signal',
    );
    const asyncStep: fc.Arbitrary<Step & { via?: Via }> = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({ type: fc.constant('acquire' as const), via: viaArbitrary }),
      },
      { weight: 20, arbitrary: stepArbitrary.filter((step) => step.type !== 'acquire') },
    );
    await fc.assert(
      fc.asyncProperty(
        configArbitrary,
        fc.array(asyncStep, { minLength: 30, maxLength: 100, size: 'max' }),
        (config, steps) => runWithExecute(config, steps),
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});
