import { EventEmitter } from 'eventemitter3';
import type { BreakerEvents } from './breaker-events.js';
import { Permit, type PermitOwner } from './breaker-permit.js';
import { Rejection } from './breaker-rejection.js';
import {
  type BreakerSettings,
  DEFAULT_SETTINGS,
  type ResolvedBreakerSettings,
  resolveSettings,
} from './breaker-settings.js';
import type { BreakerSnapshot } from './breaker-snapshot.js';
import type { BreakerState, StateChangeReason } from './breaker-state.js';
import type { BreakerStateStore } from './breaker-state-store.js';
import type { Circuit, HalfOpenCircuit, OpenCircuit } from './circuit.js';
import { classifyError, type ErrorClassifier } from './classify-error.js';
import { CountWindow, createOutcomeWindow, type OutcomeWindow } from './outcome-window.js';
import { SharedCircuit } from './shared-circuit.js';
import { tripReason } from './trip-rule.js';

/** What the state machine is built from. @internal */
export interface StateMachineOptions extends BreakerSettings {
  readonly name?: string;
  readonly classify?: ErrorClassifier | undefined;
  readonly clock?: (() => number) | undefined;
  readonly store?: BreakerStateStore | undefined;
}

/** How a circuit opens. @internal */
export interface OpenRequest {
  readonly reason: StateChangeReason;
  readonly now: number;
  /** The wait the dependency asked for; it becomes the open duration when usable. */
  readonly retryAfterMs?: number | undefined;
  /** The error that opened the circuit, for an open-duration function. */
  readonly error?: unknown;
}

/** How long a HALF_OPEN rejection asks callers to wait at most, in milliseconds. */
const HALF_OPEN_RETRY_CAP_MS = 1000;

type UntypedEmit = (event: keyof BreakerEvents, payload: unknown) => boolean;

/**
 * The states of a breaker and the rules that move it between them: admission, outcomes,
 * transitions and operator actions. Events go to the breaker's listeners and, for a
 * breaker in a registry, to the registry's. Transitions are lazy: no timer per breaker.
 * @internal
 */
export class CircuitStateMachine extends EventEmitter<BreakerEvents> implements PermitOwner {
  readonly name: string;
  readonly clock: () => number;
  #circuit: Circuit = { state: 'CLOSED' };
  #settings: ResolvedBreakerSettings;
  #window: OutcomeWindow;
  #consecutiveFailures = 0;
  readonly #classify: ErrorClassifier;
  readonly #registry: EventEmitter<BreakerEvents> | undefined;
  readonly #shared: SharedCircuit | undefined;
  #totalCalls = 0;
  #totalSuccesses = 0;
  #totalFailures = 0;
  #totalRejections = 0;

  constructor(options: StateMachineOptions, registry?: EventEmitter<BreakerEvents>) {
    super();
    const name = options.name ?? 'default';
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    for (const key of ['classify', 'clock'] as const) {
      const value = options[key];
      if (value !== undefined && typeof value !== 'function') {
        throw new TypeError(`${key} must be a function, got ${typeof value}`);
      }
    }
    this.name = name;
    this.#settings = resolveSettings(DEFAULT_SETTINGS, options);
    this.#window = createOutcomeWindow(this.#settings.window);
    this.#classify = options.classify ?? classifyError;
    this.clock = options.clock ?? Date.now;
    this.#registry = registry;
    this.#shared = options.store ? new SharedCircuit(options.store, this) : undefined;
  }

  get state(): BreakerState {
    return this.#circuit.state;
  }

  get settings(): ResolvedBreakerSettings {
    return this.#settings;
  }

  /** The current circuit, for the shared-state follower. */
  get circuit(): Circuit {
    return this.#circuit;
  }

  // --- Admission ---

  /**
   * Admits a call or refuses it. A promise means the store is being asked for the probe
   * lease: await it, then call {@link admitNow}.
   */
  admit(): Permit | Rejection | Promise<void> {
    const circuit = this.#circuit;
    switch (circuit.state) {
      case 'CLOSED':
        this.#totalCalls++;
        return new Permit(this, circuit, this.#timed() ? this.clock() : undefined);
      case 'DISABLED':
        return new Permit(this, circuit, undefined);
      case 'FORCED_OPEN':
        return this.#reject(circuit, 0);
      case 'OPEN': {
        const now = this.clock();
        if (now < circuit.openUntil) return this.#reject(circuit, now);
        const lease = this.#shared ? this.#shared.probeLease(circuit, now) : 'local';
        if (lease instanceof Promise) return lease;
        return this.#admitProbe(this.startProbing(circuit, lease === 'reserved'), now);
      }
      case 'HALF_OPEN':
        return this.#admitProbe(circuit, this.clock());
    }
  }

  /** Like {@link admit}, for callers that cannot wait: asking the store counts as a refusal. */
  admitNow(): Permit | Rejection {
    const admission = this.admit();
    return admission instanceof Promise ? this.#reject(this.#circuit, this.clock()) : admission;
  }

  #admitProbe(circuit: HalfOpenCircuit, now: number): Permit | Rejection {
    if (circuit.probes.size < this.#settings.halfOpenMaxProbes) {
      this.#totalCalls++;
      const permit = new Permit(this, circuit, now);
      circuit.probes.add(permit);
      if (circuit.holdsLease) this.#shared?.renewLease();
      return permit;
    }
    if (now - oldestProbe(circuit) >= this.#settings.probeTimeoutMs) {
      this.open({ reason: 'probe-timeout', now });
    }
    return this.#reject(this.#circuit, now);
  }

  #reject(circuit: Circuit, now: number): Rejection {
    this.#totalCalls++;
    this.#totalRejections++;
    const retryAfterMs = this.#retryAfterMs(circuit, now);
    if (this.#observed('rejected')) {
      this.#emit('rejected', { name: this.name, state: circuit.state, retryAfterMs });
    }
    return new Rejection(this.name, circuit.state, retryAfterMs);
  }

  #retryAfterMs(circuit: Circuit, now: number): number {
    switch (circuit.state) {
      case 'OPEN':
        return this.#shared?.asking ? 0 : Math.max(0, circuit.openUntil - now);
      case 'HALF_OPEN':
        return Math.min(
          HALF_OPEN_RETRY_CAP_MS,
          Math.max(0, oldestProbe(circuit) + this.#settings.probeTimeoutMs - now),
        );
      case 'FORCED_OPEN': {
        const configured = this.#settings.openDurationMs;
        return typeof configured === 'number'
          ? configured
          : (DEFAULT_SETTINGS.openDurationMs as number);
      }
      default:
        return 0;
    }
  }

  /** Whether calls need their start time: for slow calls, a time window, or duration events. */
  #timed(): boolean {
    return (
      this.#settings.slowCallDurationMs !== undefined ||
      this.#settings.window.type === 'time' ||
      this.#observed('success') ||
      this.#observed('failure')
    );
  }

  // --- Outcomes (called by permits) ---

  recordSuccess(permit: Permit): void {
    const admittedIn = permit.admittedIn;
    if (admittedIn.state === 'DISABLED') return;
    this.#totalSuccesses++;
    const { startedAt } = permit;
    const now = startedAt === undefined ? 0 : this.clock();
    const durationMs = startedAt === undefined ? 0 : now - startedAt;
    const slow = this.#isSlow(startedAt, durationMs);
    if (this.#observed('success')) this.#emit('success', { name: this.name, durationMs });
    if (admittedIn !== this.#circuit) return;
    if (admittedIn.state === 'HALF_OPEN') {
      admittedIn.probes.delete(permit);
      this.#window.record(false, slow, now);
      if (slow) {
        this.open({ reason: 'probe-slow', now });
      } else if (++admittedIn.successes >= this.#settings.halfOpenSuccessThreshold) {
        this.#close('probes-succeeded');
      }
      return;
    }
    this.#consecutiveFailures = 0;
    this.#window.record(false, slow, now);
    if (slow) {
      const reason = tripReason(this.#settings, this.#consecutiveFailures, this.#window);
      if (reason) this.open({ reason, now });
    }
  }

  recordError(permit: Permit, error: unknown): void {
    const admittedIn = permit.admittedIn;
    if (admittedIn.state === 'DISABLED') return;
    const answer = this.#classify(error);
    const verdict = typeof answer === 'string' ? answer : answer.verdict;
    if (verdict === 'success') {
      this.recordSuccess(permit);
      return;
    }
    if (verdict === 'ignored') {
      this.recordIgnored(permit, error);
      return;
    }
    const retryAfterMs = typeof answer === 'string' ? undefined : answer.retryAfterMs;
    this.#totalFailures++;
    const now = this.clock();
    const { startedAt } = permit;
    const durationMs = startedAt === undefined ? 0 : now - startedAt;
    const slow = this.#isSlow(startedAt, durationMs);
    if (this.#observed('failure')) this.#emit('failure', { name: this.name, durationMs, error });
    const circuit = this.#circuit;
    if (admittedIn === circuit && circuit.state === 'HALF_OPEN') circuit.probes.delete(permit);
    if (verdict === 'open') {
      // A rate limit is news from the dependency now, whenever the call was admitted.
      if (circuit.state === 'CLOSED' || circuit.state === 'HALF_OPEN') {
        this.open({ reason: 'rate-limited', now, retryAfterMs, error });
      }
      return;
    }
    if (admittedIn !== circuit) return;
    if (circuit.state === 'HALF_OPEN') {
      this.open({ reason: 'probe-failed', now, retryAfterMs, error });
      return;
    }
    this.#consecutiveFailures++;
    this.#window.record(true, slow, now);
    const reason = tripReason(this.#settings, this.#consecutiveFailures, this.#window);
    if (reason) this.open({ reason, now, retryAfterMs, error });
  }

  recordIgnored(permit: Permit, error: unknown): void {
    if (permit.admittedIn.state === 'DISABLED') return;
    if (this.#observed('ignored')) this.#emit('ignored', { name: this.name, error });
    this.recordRelease(permit);
  }

  recordRelease(permit: Permit): void {
    const admittedIn = permit.admittedIn;
    if (admittedIn === this.#circuit && admittedIn.state === 'HALF_OPEN') {
      admittedIn.probes.delete(permit);
    }
  }

  #isSlow(startedAt: number | undefined, durationMs: number): boolean {
    const slowCallDurationMs = this.#settings.slowCallDurationMs;
    const slow =
      startedAt !== undefined &&
      slowCallDurationMs !== undefined &&
      durationMs >= slowCallDurationMs;
    if (slow && this.#observed('slowCall')) this.#emit('slowCall', { name: this.name, durationMs });
    return slow;
  }

  // --- Transitions ---

  /** Opens the circuit because of this instance's own calls, and tells the store. */
  open(request: OpenRequest): void {
    const from = this.#circuit;
    const openCount = from.state === 'HALF_OPEN' ? from.openCount + 1 : 1;
    const durationMs = this.#openDurationMs(request, openCount);
    this.#transition(
      {
        state: 'OPEN',
        openedAt: request.now,
        openUntil: request.now + durationMs,
        openCount,
        followsStore: false,
        reservedUntil: 0,
      },
      request.reason,
    );
    this.#shared?.reportOpened(from, durationMs);
  }

  /** Opens the circuit because the shared state says so; nothing to report. */
  followOpen(now: number, remainingMs: number): void {
    const from = this.#circuit;
    this.#transition(
      {
        state: 'OPEN',
        openedAt: now,
        openUntil: now + remainingMs,
        openCount: from.state === 'HALF_OPEN' ? from.openCount + 1 : 1,
        followsStore: true,
        reservedUntil: 0,
      },
      'shared-open',
    );
  }

  /** Moves an elapsed OPEN circuit to HALF_OPEN. */
  startProbing(open: OpenCircuit, holdsLease: boolean): HalfOpenCircuit {
    const next: HalfOpenCircuit = {
      state: 'HALF_OPEN',
      openedAt: open.openedAt,
      openCount: open.openCount,
      probes: new Set(),
      successes: 0,
      holdsLease,
    };
    this.#transition(next, 'open-duration-elapsed');
    return next;
  }

  #close(reason: StateChangeReason): void {
    const from = this.#circuit;
    this.#transition({ state: 'CLOSED' }, reason);
    if (from.state === 'HALF_OPEN') this.#shared?.reportClosed();
  }

  /** Closes the circuit because the shared circuit closed or its override was lifted. */
  followClose(reason: 'shared-close' | 'shared-override'): void {
    this.#transition({ state: 'CLOSED' }, reason);
  }

  /** Applies an operator override that arrived through the store. */
  followOverride(state: 'FORCED_OPEN' | 'DISABLED'): void {
    this.#transition(
      state === 'FORCED_OPEN'
        ? { state, openedAt: this.clock(), fromStore: true }
        : { state, fromStore: true },
      'shared-override',
    );
  }

  #openDurationMs(request: OpenRequest, openCount: number): number {
    const { retryAfterMs } = request;
    // A number ≥ 0 from the classifier wins (Infinity holds the circuit open).
    if (typeof retryAfterMs === 'number' && retryAfterMs >= 0) return retryAfterMs;
    const configured = this.#settings.openDurationMs;
    if (typeof configured === 'number') return configured;
    const computed = configured({ name: this.name, openCount, error: request.error });
    // An answer that is not a number gets the default; a negative one means 0.
    return typeof computed === 'number' && !Number.isNaN(computed)
      ? Math.max(0, computed)
      : (DEFAULT_SETTINGS.openDurationMs as number);
  }

  #transition(next: Circuit, reason: StateChangeReason): void {
    const from = this.#circuit.state;
    this.#circuit = next;
    if (next.state === 'CLOSED' || next.state === 'HALF_OPEN') {
      this.#window.reset();
      this.#consecutiveFailures = 0;
    }
    if (this.#observed('stateChange')) {
      this.#emit('stateChange', { name: this.name, from, to: next.state, reason });
    }
  }

  // --- Operators ---

  forceOpen(): void {
    const circuit = this.#circuit;
    // Already held open (perhaps by another instance): now it is this instance's own override.
    if (circuit.state === 'FORCED_OPEN') circuit.fromStore = false;
    else {
      this.#transition(
        { state: 'FORCED_OPEN', openedAt: this.clock(), fromStore: false },
        'forced-open',
      );
    }
    this.#shared?.reportOverride('FORCED_OPEN');
  }

  disable(): void {
    const circuit = this.#circuit;
    if (circuit.state === 'DISABLED') circuit.fromStore = false;
    else this.#transition({ state: 'DISABLED', fromStore: false }, 'disabled');
    this.#shared?.reportOverride('DISABLED');
  }

  reset(): void {
    this.#transition({ state: 'CLOSED' }, 'reset');
    this.#shared?.reportOverride('CLOSED');
  }

  refresh(): void {
    const circuit = this.#circuit;
    if (circuit.state === 'OPEN' && !circuit.followsStore && this.clock() >= circuit.openUntil) {
      this.startProbing(circuit, false);
    }
  }

  configure(settings: BreakerSettings): void {
    const next = resolveSettings(this.#settings, settings);
    const before = this.#settings.window;
    const after = next.window;
    const sameWindow =
      before.type === 'count'
        ? after.type === 'count' && before.size === after.size
        : after.type === 'time' &&
          before.durationMs === after.durationMs &&
          (before.buckets ?? 10) === (after.buckets ?? 10);
    if (!sameWindow) {
      const window = createOutcomeWindow(after);
      // A count window carries its most recent outcomes over; a time window starts empty.
      if (window instanceof CountWindow && this.#window instanceof CountWindow) {
        window.copyFrom(this.#window);
      }
      this.#window = window;
    }
    this.#settings = next;
  }

  dispose(): void {
    this.#shared?.dispose();
  }

  // --- Observability ---

  snapshot(): BreakerSnapshot {
    const circuit = this.#circuit;
    const now = this.clock();
    this.#window.refresh(now);
    const decided = this.#totalSuccesses + this.#totalFailures;
    return {
      name: this.name,
      state: circuit.state,
      failureCount: this.#window.failures,
      successCount: this.#window.calls - this.#window.failures,
      consecutiveFailures: this.#consecutiveFailures,
      slowCallCount: this.#window.slowCalls,
      openedAt:
        circuit.state === 'CLOSED' || circuit.state === 'DISABLED' ? null : circuit.openedAt,
      retryAfterMs:
        circuit.state === 'OPEN'
          ? Math.max(0, circuit.openUntil - now)
          : circuit.state === 'FORCED_OPEN'
            ? this.#retryAfterMs(circuit, now)
            : 0,
      metrics: {
        totalCalls: this.#totalCalls,
        totalSuccesses: this.#totalSuccesses,
        totalFailures: this.#totalFailures,
        totalRejections: this.#totalRejections,
        successRate: decided === 0 ? 1 : this.#totalSuccesses / decided,
      },
    };
  }

  /** Whether anyone listens to `event`, here or on the registry: payloads are built only then. */
  #observed(event: keyof BreakerEvents): boolean {
    return this.listenerCount(event) > 0 || (this.#registry?.listenerCount(event) ?? 0) > 0;
  }

  #emit<E extends keyof BreakerEvents>(event: E, payload: Parameters<BreakerEvents[E]>[0]): void {
    (this.emit as UntypedEmit).call(this, event, payload);
    const registry = this.#registry;
    if (registry) (registry.emit as UntypedEmit).call(registry, event, payload);
  }
}

function oldestProbe(circuit: HalfOpenCircuit): number {
  let oldest = Number.POSITIVE_INFINITY;
  // Probes are always timed: admission reads the clock for them.
  for (const probe of circuit.probes) oldest = Math.min(oldest, probe.startedAt ?? oldest);
  return oldest;
}
