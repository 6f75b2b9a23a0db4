/** What {@link ConcurrencyStore.acquire} is asked to do. */
export interface ConcurrencyAcquireCall {
  /** The key whose slots are counted (a user, a model, a tenant…). */
  readonly key: string;
  /** The lease's id, unique per acquire. Acquiring an id the key already holds renews it. */
  readonly leaseId: string;
  /** Most leases the key may hold at once, this one included. */
  readonly limit: number;
  /** How long the lease lives unless renewed, in milliseconds. */
  readonly leaseMs: number;
}

/** A store's answer to {@link ConcurrencyStore.acquire}. */
export interface ConcurrencyAcquireReply {
  /** Whether the lease was added (or already held). */
  readonly acquired: boolean;
  /** Live leases of the key after this call. */
  readonly inFlight: number;
  /**
   * Milliseconds until the key's earliest lease expires if nobody renews or releases it;
   * 0 when acquired. A waiter never needs to poll later than this.
   */
  readonly nextExpiryMs: number;
}

/** What {@link ConcurrencyStore.renew} is asked to do. */
export interface ConcurrencyRenewCall {
  readonly key: string;
  /** The leases to extend, all of `key`. */
  readonly leaseIds: readonly string[];
  /** Their new lifetime from now, in milliseconds. */
  readonly leaseMs: number;
}

/** What {@link ConcurrencyStore.release} is asked to do. */
export interface ConcurrencyReleaseCall {
  readonly key: string;
  readonly leaseId: string;
}

/**
 * Lease storage for a concurrency limiter: per key, a set of lease ids, each with an expiry.
 * An expired lease no longer counts, so a holder that dies frees its slot by itself.
 * `createMemoryConcurrencyStore` and `createRedisConcurrencyStore` implement it, and one
 * contract test suite runs against each. Methods may answer synchronously or with a promise.
 */
export interface ConcurrencyStore {
  /**
   * Atomically drops the key's expired leases, then adds `leaseId` with an expiry `leaseMs`
   * from now if fewer than `limit` leases are live.
   */
  acquire(call: ConcurrencyAcquireCall): ConcurrencyAcquireReply | Promise<ConcurrencyAcquireReply>;
  /** Extends the given leases; answers the ids that were no longer held (expired or released). */
  renew(call: ConcurrencyRenewCall): readonly string[] | Promise<readonly string[]>;
  /**
   * Removes a lease; answers whether the store still had it (an expired lease the store has
   * not dropped yet counts). Releasing twice is harmless.
   */
  release(call: ConcurrencyReleaseCall): boolean | Promise<boolean>;
  /** Live leases of `key`. */
  inFlight(key: string): number | Promise<number>;
}
