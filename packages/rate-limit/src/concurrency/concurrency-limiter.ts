import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { raceAbort } from '../race-abort.js';
import { boundedCall } from './bounded-call.js';
import type {
  ConcurrencyDecision,
  ConcurrencyGrant,
  ConcurrencyRejection,
} from './concurrency-decision.js';
import { Lease } from './concurrency-lease.js';
import type {
  ConcurrencyLimiterEvents,
  ConcurrencyRejectionReason,
} from './concurrency-limiter-events.js';
import type { ConcurrencyAcquireReply, ConcurrencyStore } from './concurrency-store.js';
import { LeaseLostError } from './lease-lost-error.js';
import { createMemoryConcurrencyStore } from './memory-concurrency-store.js';
import { type Waiter, WaitQueue } from './wait-queue.js';

/** A queued acquire: the waiter and the promise it settles. */
interface PendingAcquire extends Waiter {
  resolve(decision: ConcurrencyDecision): void;
  reject(error: unknown): void;
}

/** Options for {@link createConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** Where leases live. @default a new memory store (slots shared by this limiter only) */
  readonly store?: ConcurrencyStore;
  /** Slots per key unless `acquire()` names another limit. @default 10 */
  readonly limit?: number;
  /**
   * How long a lease lives without renewal. The limiter renews the leases it holds, so a long
   * stream keeps its slot; a holder that dies (SIGKILL) frees it within this time.
   * @default 30_000
   */
  readonly leaseMs?: number;
  /** How often held leases are renewed. Must be below `leaseMs`. @default leaseMs / 3 */
  readonly renewIntervalMs?: number;
  /**
   * Calls of this process that may wait for a slot of one key (the queue is per process; other
   * processes wait in their own). 0 rejects at once when every slot is taken.
   * @default 0
   */
  readonly maxQueue?: number;
  /** How long a queued call waits for a slot before it is rejected with `timeout`. @default 10_000 */
  readonly maxWaitMs?: number;
  /**
   * First and last pause between two store attempts of a waiting call (doubling in between). A
   * release in this process wakes its waiters at once; a release elsewhere is seen at the next
   * attempt, and never later than the earliest lease's expiry.
   * @default { minMs: 5, maxMs: 200 }
   */
  readonly poll?: { readonly minMs?: number; readonly maxMs?: number };
  /** Longest wait for one store call; then it counts as failed (`StoreTimeoutError`). @default 1_000 */
  readonly storeTimeoutMs?: number;
  /**
   * What an acquire does when the store fails or times out: `'open'` grants a lease the store
   * does not know about (`failedOpen: true`), `'closed'` rejects with the store's error.
   * @default 'open'
   */
  readonly failMode?: 'open' | 'closed';
  /** Clock in epoch milliseconds (for `waitedMs` and `heldMs`). @default Date.now */
  readonly clock?: () => number;
}

/** Options for one {@link ConcurrencyLimiter.acquire}. */
export interface AcquireOptions {
  /** Slots for this key (e.g. from the caller's tier). @default the limiter's `limit` */
  readonly limit?: number;
  /** How long this call may wait in the queue; 0 tries once. @default the limiter's `maxWaitMs` */
  readonly maxWaitMs?: number;
  /** Aborts the call: it rejects with the signal's reason and leaves no slot behind. */
  readonly signal?: AbortSignal;
}

/** A limiter of work in flight per key, across every process that shares its store. */
export interface ConcurrencyLimiter extends EventEmitter<ConcurrencyLimiterEvents> {
  /**
   * Takes a slot for `key`, waiting in this process's queue if allowed. Resolves with a grant
   * (release its lease when the work ends) or a rejection; rejects only for bad arguments, an
   * aborted signal, or a failed store under `failMode: 'closed'`.
   */
  acquire(key: string, options?: AcquireOptions): Promise<ConcurrencyDecision>;
  /** Live leases of `key` in the store, across every process. */
  inFlight(key: string): Promise<number>;
  /** Calls of this process waiting for a slot of `key`. */
  queued(key: string): number;
  /** Leases this limiter holds now, over all keys. */
  readonly held: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/** Longest delay a Node.js timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_MS))
    throw new RangeError(`${name} must be a number from 0 to ${MAX_TIMER_MS}, got ${value}`);
  return value;
}

/**
 * Creates a concurrency limiter (a bulkhead): at most `limit` leases per key are held at once
 * across every process sharing the store. Leases expire unless renewed, and the limiter renews
 * the ones it holds, so a crashed holder's slot comes back by itself.
 */
export function createConcurrencyLimiter(
  options: ConcurrencyLimiterOptions = {},
): ConcurrencyLimiter {
  return new ConcurrencyLimiterImpl(options);
}

class ConcurrencyLimiterImpl
  extends EventEmitter<ConcurrencyLimiterEvents>
  implements ConcurrencyLimiter
{
  readonly #store: ConcurrencyStore;
  readonly #limit: number;
  readonly #leaseMs: number;
  readonly #renewIntervalMs: number;
  readonly #maxQueue: number;
  readonly #maxWaitMs: number;
  readonly #storeTimeoutMs: number;
  readonly #failOpen: boolean;
  readonly #clock: () => number;
  readonly #queue: WaitQueue<PendingAcquire>;
  readonly #owner = { release: (lease: Lease) => this.#release(lease) };
  /** Leases held through the store, by key then id: the ones to renew. */
  readonly #held = new Map<string, Map<string, Lease>>();
  #heldCount = 0;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #renewing = false;

  constructor(options: ConcurrencyLimiterOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new TypeError('createConcurrencyLimiter needs an options object');
    this.#store = options.store ?? createMemoryConcurrencyStore();
    if (typeof this.#store?.acquire !== 'function')
      throw new TypeError('store must be a ConcurrencyStore (acquire, renew, release, inFlight)');
    this.#limit = positiveInteger('limit', options.limit ?? 10);
    this.#leaseMs = positiveInteger('leaseMs', options.leaseMs ?? 30_000);
    this.#renewIntervalMs = nonNegative(
      'renewIntervalMs',
      options.renewIntervalMs ?? Math.floor(this.#leaseMs / 3),
    );
    if (this.#renewIntervalMs < 1 || this.#renewIntervalMs >= this.#leaseMs)
      throw new RangeError(
        `renewIntervalMs must be ≥ 1 and below leaseMs (${this.#leaseMs}), got ${this.#renewIntervalMs}`,
      );
    this.#maxQueue = nonNegative('maxQueue', options.maxQueue ?? 0);
    if (!Number.isSafeInteger(this.#maxQueue))
      throw new RangeError(`maxQueue must be an integer, got ${this.#maxQueue}`);
    this.#maxWaitMs = nonNegative('maxWaitMs', options.maxWaitMs ?? 10_000);
    this.#storeTimeoutMs = positiveInteger('storeTimeoutMs', options.storeTimeoutMs ?? 1_000);
    if (this.#storeTimeoutMs > MAX_TIMER_MS)
      throw new RangeError(`storeTimeoutMs must be ≤ ${MAX_TIMER_MS}, got ${this.#storeTimeoutMs}`);
    const failMode = options.failMode ?? 'open';
    if (failMode !== 'open' && failMode !== 'closed')
      throw new TypeError(`failMode must be 'open' or 'closed', got ${String(failMode)}`);
    this.#failOpen = failMode === 'open';
    this.#clock = options.clock ?? Date.now;
    if (typeof this.#clock !== 'function') throw new TypeError('clock must be a function');
    const minPollMs = positiveInteger('poll.minMs', options.poll?.minMs ?? 5);
    const maxPollMs = positiveInteger('poll.maxMs', options.poll?.maxMs ?? 200);
    if (maxPollMs < minPollMs)
      throw new RangeError(`poll.maxMs must be ≥ poll.minMs (${minPollMs}), got ${maxPollMs}`);
    this.#queue = new WaitQueue<PendingAcquire>({
      minPollMs,
      maxPollMs,
      attempt: (waiter) => this.#storeAcquire(waiter.key, waiter.leaseId, waiter.limit),
      grant: (waiter, reply) => this.#settleGranted(waiter, reply),
      fail: (waiter, error) => this.#settleFailed(waiter, error),
      discard: (key, leaseId, attempt) => this.#discard(key, leaseId, attempt),
    });
  }

  get held(): number {
    return this.#heldCount;
  }

  queued(key: string): number {
    return this.#queue.size(key);
  }

  inFlight(key: string): Promise<number> {
    return this.#call(() => this.#store.inFlight(key));
  }

  async acquire(key: string, options: AcquireOptions = {}): Promise<ConcurrencyDecision> {
    if (typeof key !== 'string' || key === '')
      throw new TypeError(`key must be a non-empty string, got ${String(key)}`);
    const limit = positiveInteger('limit', options.limit ?? this.#limit);
    const maxWaitMs = nonNegative('maxWaitMs', options.maxWaitMs ?? this.#maxWaitMs);
    const { signal } = options;
    const startedAt = this.#clock();
    const canWait = this.#maxQueue > 0 && maxWaitMs > 0;
    if (signal?.aborted) {
      this.#emitRejected(key, 'aborted', 0, limit);
      throw signal.reason;
    }
    // Calls of this process already waiting keep their turn: a newcomer that may wait queues.
    if (canWait && this.#queue.size(key) > 0) {
      if (this.#queue.size(key) >= this.#maxQueue)
        return this.#reject(key, 'queue_full', this.#queue.lastInFlight(key), limit, startedAt);
      return this.#wait(key, randomUUID(), limit, startedAt, maxWaitMs, signal);
    }

    const leaseId = randomUUID();
    const attempt = this.#storeAcquire(key, leaseId, limit);
    let reply: ConcurrencyAcquireReply;
    try {
      reply = await (signal === undefined ? attempt : raceAbort(attempt, signal));
    } catch (error) {
      this.#discard(key, leaseId, attempt);
      if (signal?.aborted && error === signal.reason) {
        this.#emitRejected(key, 'aborted', 0, limit);
        throw error;
      }
      this.#notify('store-error', { error });
      if (!this.#failOpen) throw error;
      return this.#grant(key, leaseId, limit, 0, startedAt, true);
    }
    if (reply.acquired) return this.#grant(key, leaseId, limit, reply.inFlight, startedAt, false);
    if (!canWait) return this.#reject(key, 'limit', reply.inFlight, limit, startedAt);
    if (this.#queue.size(key) >= this.#maxQueue)
      return this.#reject(key, 'queue_full', reply.inFlight, limit, startedAt);
    return this.#wait(key, leaseId, limit, startedAt, maxWaitMs, signal, reply);
  }

  #wait(
    key: string,
    leaseId: string,
    limit: number,
    startedAt: number,
    maxWaitMs: number,
    signal: AbortSignal | undefined,
    firstReply?: ConcurrencyAcquireReply,
  ): Promise<ConcurrencyDecision> {
    return new Promise<ConcurrencyDecision>((resolve, reject) => {
      const waiter: PendingAcquire = { key, leaseId, limit, startedAt, resolve, reject };
      const queued = this.#queue.add(waiter, {
        maxWaitMs,
        signal,
        nextExpiryMs: firstReply?.nextExpiryMs,
        inFlight: firstReply?.inFlight,
        onTimeout: (inFlight) => resolve(this.#reject(key, 'timeout', inFlight, limit, startedAt)),
        onAbort: (reason, inFlight) => {
          this.#emitRejected(key, 'aborted', inFlight, limit);
          reject(reason);
        },
      });
      this.#notify('queued', { key, queued });
    });
  }

  #settleGranted(waiter: PendingAcquire, reply: ConcurrencyAcquireReply): void {
    waiter.resolve(
      this.#grant(
        waiter.key,
        waiter.leaseId,
        waiter.limit,
        reply.inFlight,
        waiter.startedAt,
        false,
      ),
    );
  }

  #settleFailed(waiter: PendingAcquire, error: unknown): void {
    this.#notify('store-error', { error });
    if (!this.#failOpen) waiter.reject(error);
    else
      waiter.resolve(
        this.#grant(waiter.key, waiter.leaseId, waiter.limit, 0, waiter.startedAt, true),
      );
  }

  #grant(
    key: string,
    leaseId: string,
    limit: number,
    inFlight: number,
    startedAt: number,
    failedOpen: boolean,
  ): ConcurrencyGrant {
    const now = this.#clock();
    const lease = new Lease(this.#owner, { key, id: leaseId, limit, acquiredAt: now, failedOpen });
    if (!failedOpen) this.#remember(lease);
    const waitedMs = Math.max(0, now - startedAt);
    this.#notify('acquired', { key, inFlight, limit, waitedMs });
    return { acquired: true, key, lease, inFlight, limit, waitedMs };
  }

  #reject(
    key: string,
    reason: ConcurrencyRejection['reason'],
    inFlight: number,
    limit: number,
    startedAt: number,
  ): ConcurrencyRejection {
    this.#emitRejected(key, reason, inFlight, limit);
    const waitedMs = Math.max(0, this.#clock() - startedAt);
    return { acquired: false, key, reason, inFlight, limit, waitedMs };
  }

  #emitRejected(
    key: string,
    reason: ConcurrencyRejectionReason,
    inFlight: number,
    limit: number,
  ): void {
    this.#notify('rejected', { key, reason, inFlight, limit });
  }

  /**
   * Emits an event. A listener that throws cannot break the limiter (a slot granted, then
   * lost to a throw, would leak): its error is rethrown on a later microtask instead.
   */
  #notify<Name extends keyof ConcurrencyLimiterEvents>(
    name: Name,
    event: Parameters<ConcurrencyLimiterEvents[Name]>[0],
  ): void {
    try {
      (this.emit as (name: Name, event: unknown) => boolean)(name, event);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** Called once per lease, by `lease.release()`. */
  async #release(lease: Lease): Promise<void> {
    const wasHeld = lease.state === 'held';
    lease.state = 'released';
    this.#notify('released', {
      key: lease.key,
      heldMs: Math.max(0, this.#clock() - lease.acquiredAt),
    });
    if (lease.failedOpen) return;
    if (wasHeld) {
      this.#forget(lease);
      try {
        await this.#call(() => this.#store.release({ key: lease.key, leaseId: lease.id }));
      } catch (error) {
        // The lease expires on its own within leaseMs.
        this.#notify('store-error', { error });
      }
    }
    this.#queue.wake(lease.key);
  }

  /** Gives back a slot a call no longer wants, once its store attempt settles either way. */
  #discard(key: string, leaseId: string, attempt: Promise<ConcurrencyAcquireReply>): void {
    const release = () =>
      this.#call(() => this.#store.release({ key, leaseId })).then(
        () => this.#queue.wake(key),
        (error: unknown) => this.#notify('store-error', { error }),
      );
    // A timed-out attempt may still land later; the release is queued behind it.
    attempt.then((reply) => (reply.acquired ? release() : undefined), release);
  }

  #storeAcquire(key: string, leaseId: string, limit: number): Promise<ConcurrencyAcquireReply> {
    return this.#call(() => this.#store.acquire({ key, leaseId, limit, leaseMs: this.#leaseMs }));
  }

  /** One store call, bounded by `storeTimeoutMs`. */
  #call<T>(operation: () => T | Promise<T>): Promise<T> {
    return boundedCall(operation, this.#storeTimeoutMs);
  }

  #remember(lease: Lease): void {
    let leases = this.#held.get(lease.key);
    if (leases === undefined) {
      leases = new Map();
      this.#held.set(lease.key, leases);
    }
    leases.set(lease.id, lease);
    this.#heldCount++;
    if (this.#renewTimer === undefined) {
      this.#renewTimer = setInterval(() => this.#renewAll(), this.#renewIntervalMs);
      // Renewal never keeps a process alive: an exiting process's leases expire by themselves.
      this.#renewTimer.unref?.();
    }
  }

  #forget(lease: Lease): void {
    const leases = this.#held.get(lease.key);
    if (leases === undefined || !leases.delete(lease.id)) return;
    this.#heldCount--;
    if (leases.size === 0) this.#held.delete(lease.key);
  }

  /** One renewal call per key, for every lease of the key this limiter holds. */
  #renewAll(): void {
    // Stopped lazily, so a steady flow of short leases does not start and stop a timer each.
    if (this.#heldCount === 0) {
      clearInterval(this.#renewTimer);
      this.#renewTimer = undefined;
      return;
    }
    if (this.#renewing) return;
    this.#renewing = true;
    const renewals = [...this.#held].map(([key, leases]) =>
      this.#call(() =>
        this.#store.renew({ key, leaseIds: [...leases.keys()], leaseMs: this.#leaseMs }),
      ).then(
        (lost) => {
          for (const leaseId of lost) {
            const lease = leases.get(leaseId);
            // Released while the renewal was on its way: not lost.
            if (lease === undefined || lease.state !== 'held') continue;
            this.#forget(lease);
            lease.lose(new LeaseLostError(key));
            this.#notify('lease-lost', {
              key,
              heldMs: Math.max(0, this.#clock() - lease.acquiredAt),
            });
          }
          if (lost.length > 0) this.#queue.wake(key);
        },
        (error: unknown) => this.#notify('store-error', { error }),
      ),
    );
    void Promise.all(renewals).finally(() => {
      this.#renewing = false;
    });
  }
}
