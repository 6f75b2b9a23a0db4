import type { BreakerStateStore, SharedBreakerView } from './breaker-state-store.js';
import type { Circuit, OpenCircuit } from './circuit.js';
import type { CircuitStateMachine } from './circuit-state-machine.js';

/**
 * Keeps one breaker in step with the state its store shares across instances: reports its
 * transitions, follows the shared open, close and overrides, and asks for the cluster-wide
 * probe lease. The store is told only about transitions, never about single calls.
 * @internal
 */
export class SharedCircuit {
  readonly #store: BreakerStateStore;
  readonly #machine: CircuitStateMachine;
  readonly #detach: () => void;
  /** The lease request in flight, if any; one at a time. */
  #leaseRequest: Promise<void> | undefined;

  constructor(store: BreakerStateStore, machine: CircuitStateMachine) {
    this.#store = store;
    this.#machine = machine;
    this.#detach = store.attach(machine.name, (view) => this.follow(view));
  }

  /** Whether the store is being asked for the probe lease right now. */
  get asking(): boolean {
    return this.#leaseRequest !== undefined;
  }

  /**
   * How an OPEN circuit whose period elapsed may probe: `local` for a trip of this instance
   * alone, `reserved` for the first probe of a shared circuit this instance opened, or a
   * promise that settles once the store answered the lease request.
   */
  probeLease(circuit: OpenCircuit, now: number): 'local' | 'reserved' | Promise<void> {
    if (!circuit.followsStore) return 'local';
    if (now < circuit.reservedUntil) return 'reserved';
    this.#leaseRequest ??= this.#store
      .acquireProbe(this.#machine.name, this.#machine.settings.probeTimeoutMs)
      .then(
        (view) => this.#onLease(view),
        () => this.#onLease(undefined),
      )
      .finally(() => {
        this.#leaseRequest = undefined;
      });
    return this.#leaseRequest;
  }

  /** Extends the lease while probes keep starting. */
  renewLease(): void {
    void this.#store.acquireProbe(this.#machine.name, this.#machine.settings.probeTimeoutMs);
  }

  /** Reports that this instance's own calls opened its circuit (coming `from` that circuit). */
  reportOpened(from: Circuit, openMs: number): void {
    const name = this.#machine.name;
    const answer =
      from.state === 'HALF_OPEN' && from.holdsLease
        ? this.#store.reportProbeResult(name, false, openMs)
        : this.#store.reportOpen(name, openMs);
    void answer.then((view) => view && this.follow(view));
  }

  /** Reports that this instance's probes closed its circuit. */
  reportClosed(): void {
    void this.#store.reportProbeResult(this.#machine.name, true, 0);
  }

  /** Shares an operator action with every instance. */
  reportOverride(state: 'CLOSED' | 'FORCED_OPEN' | 'DISABLED'): void {
    void this.#store.override(this.#machine.name, state);
  }

  dispose(): void {
    this.#detach();
  }

  #onLease(view: SharedBreakerView | undefined): void {
    const machine = this.#machine;
    const circuit = machine.circuit;
    if (circuit.state !== 'OPEN' || machine.clock() < circuit.openUntil) return;
    if (view === undefined || view.probeOwner) {
      // Granted, or no answer from the store: probe (locally, as if there were no store).
      machine.startProbing(circuit, view !== undefined);
    } else if (view.state === 'CLOSED') {
      if (circuit.followsStore) machine.followClose('shared-close');
      else machine.startProbing(circuit, false);
    } else {
      this.follow(view);
    }
  }

  /** Follows one read of the shared state. */
  follow(view: SharedBreakerView): void {
    const machine = this.#machine;
    const circuit = machine.circuit;
    switch (view.state) {
      case 'FORCED_OPEN':
      case 'DISABLED':
        if (circuit.state !== view.state) machine.followOverride(view.state);
        return;
      case 'CLOSED':
        if (
          (circuit.state === 'FORCED_OPEN' || circuit.state === 'DISABLED') &&
          circuit.fromStore
        ) {
          machine.followClose('shared-override');
        } else if (circuit.state === 'OPEN' && circuit.followsStore) {
          machine.followClose('shared-close');
        }
        return;
      default: {
        const now = machine.clock();
        const remainingMs = Math.max(0, view.remainingMs);
        if (view.probeOwner) {
          // This instance's probe lease, or its reservation of the shared circuit's first probe.
          if (view.state === 'OPEN' && circuit.state === 'OPEN') {
            circuit.followsStore = true;
            circuit.openUntil = now + remainingMs;
            circuit.reservedUntil = now + (view.reservedMs ?? 0);
          }
          return;
        }
        if (circuit.state === 'CLOSED' || circuit.state === 'HALF_OPEN') {
          machine.followOpen(now, remainingMs);
        } else if (circuit.state === 'OPEN') {
          // Once the shared circuit is open, this instance closes when it closes.
          circuit.followsStore = true;
          circuit.openUntil = now + remainingMs;
          circuit.reservedUntil = 0;
        }
      }
    }
  }
}
