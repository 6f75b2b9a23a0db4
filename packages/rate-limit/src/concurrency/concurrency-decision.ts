import type { ConcurrencyLease } from './concurrency-lease.js';
import type { ConcurrencyRejectionReason } from './concurrency-limiter-events.js';

/** A slot was granted. */
export interface ConcurrencyGrant {
  readonly acquired: true;
  readonly key: string;
  readonly lease: ConcurrencyLease;
  /** Live leases of the key once this one was added (0 when the grant failed open). */
  readonly inFlight: number;
  readonly limit: number;
  readonly waitedMs: number;
}

/** No slot: a value, never an exception. */
export interface ConcurrencyRejection {
  readonly acquired: false;
  readonly key: string;
  readonly reason: Exclude<ConcurrencyRejectionReason, 'aborted'>;
  readonly inFlight: number;
  readonly limit: number;
  readonly waitedMs: number;
}

/** The outcome of {@link ConcurrencyLimiter.acquire}. */
export type ConcurrencyDecision = ConcurrencyGrant | ConcurrencyRejection;
