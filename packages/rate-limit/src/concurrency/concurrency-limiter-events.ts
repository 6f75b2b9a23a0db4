/** Why an acquire came back without a slot. */
export type ConcurrencyRejectionReason =
  /** Every slot was taken and the call did not wait (no queue, or `maxWaitMs: 0`). */
  | 'limit'
  /** Every slot was taken and this process already had `maxQueue` calls waiting for the key. */
  | 'queue_full'
  /** The call waited `maxWaitMs` without a slot coming free. */
  | 'timeout'
  /** The caller's signal aborted the call (it rejects with the signal's reason). */
  | 'aborted';

/** Payload of `acquired`. */
export interface ConcurrencyAcquiredEvent {
  readonly key: string;
  /** Live leases of the key once this one was added. */
  readonly inFlight: number;
  readonly limit: number;
  /** Milliseconds from the call to the slot (0 for an immediate one). */
  readonly waitedMs: number;
}

/** Payload of `queued`. */
export interface ConcurrencyQueuedEvent {
  readonly key: string;
  /** Calls of this process waiting for the key, this one included. */
  readonly queued: number;
}

/** Payload of `rejected`. */
export interface ConcurrencyRejectedEvent {
  readonly key: string;
  readonly reason: ConcurrencyRejectionReason;
  /** Live leases of the key at the last store answer (0 if the store was never asked). */
  readonly inFlight: number;
  readonly limit: number;
}

/** Payload of `released`. */
export interface ConcurrencyReleasedEvent {
  readonly key: string;
  /** Milliseconds the lease was held. */
  readonly heldMs: number;
}

/** Payload of `lease-lost`. */
export interface ConcurrencyLeaseLostEvent {
  readonly key: string;
  /** Milliseconds the lease was held before the store reported it gone. */
  readonly heldMs: number;
}

/** Payload of `store-error`. */
export interface ConcurrencyStoreErrorEvent {
  /** What the store threw, or a `StoreTimeoutError`. */
  readonly error: unknown;
}

/** Events of a concurrency limiter (eventemitter3). */
export interface ConcurrencyLimiterEvents {
  acquired: (event: ConcurrencyAcquiredEvent) => void;
  queued: (event: ConcurrencyQueuedEvent) => void;
  rejected: (event: ConcurrencyRejectedEvent) => void;
  released: (event: ConcurrencyReleasedEvent) => void;
  /** A renewal found the lease expired: its holder was paused longer than the lease lasts. */
  'lease-lost': (event: ConcurrencyLeaseLostEvent) => void;
  'store-error': (event: ConcurrencyStoreErrorEvent) => void;
}
