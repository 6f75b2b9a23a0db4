/** A held concurrency slot. Release it when the work ends, however it ends. */
export interface ConcurrencyLease extends AsyncDisposable {
  /** The key the slot counts against. */
  readonly key: string;
  /** The lease's id in the store. */
  readonly id: string;
  /** The limit the slot was acquired under. */
  readonly limit: number;
  /** When the slot was acquired (epoch ms, the limiter's clock). */
  readonly acquiredAt: number;
  /**
   * True when the store failed and `failMode: 'open'` let the call through without a slot in
   * the store: nothing is renewed or released there.
   */
  readonly failedOpen: boolean;
  /** `'held'` until {@link ConcurrencyLease.release}; `'lost'` when a renewal found it expired. */
  readonly state: 'held' | 'released' | 'lost';
  /** Aborts with a `LeaseLostError` if the lease is lost, so the holder can stop its work. */
  readonly signal: AbortSignal;
  /**
   * Gives the slot back. Idempotent: only the first call does anything. Never rejects: if the
   * store fails, the limiter emits `store-error` and the lease expires on its own.
   */
  release(): Promise<void>;
}

/** What a lease needs from its limiter. */
export interface LeaseOwner {
  release(lease: Lease): Promise<void>;
}

/** The limiter's lease: its state changes only through the owner. */
export class Lease implements ConcurrencyLease {
  readonly key: string;
  readonly id: string;
  readonly limit: number;
  readonly acquiredAt: number;
  readonly failedOpen: boolean;
  state: 'held' | 'released' | 'lost' = 'held';
  readonly #owner: LeaseOwner;
  /** Made on first use: most leases never have their signal read. */
  #controller: AbortController | undefined;
  #released: Promise<void> | undefined;

  constructor(
    owner: LeaseOwner,
    fields: { key: string; id: string; limit: number; acquiredAt: number; failedOpen: boolean },
  ) {
    this.#owner = owner;
    this.key = fields.key;
    this.id = fields.id;
    this.limit = fields.limit;
    this.acquiredAt = fields.acquiredAt;
    this.failedOpen = fields.failedOpen;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Marks the lease lost and aborts its signal (the owner already forgot it). */
  lose(reason: Error): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  release(): Promise<void> {
    this.#released ??= this.#owner.release(this);
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}
