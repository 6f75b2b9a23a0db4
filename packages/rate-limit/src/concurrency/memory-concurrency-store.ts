import type {
  ConcurrencyAcquireCall,
  ConcurrencyAcquireReply,
  ConcurrencyReleaseCall,
  ConcurrencyRenewCall,
  ConcurrencyStore,
} from './concurrency-store.js';

/** Options for {@link createMemoryConcurrencyStore}. */
export interface MemoryConcurrencyStoreOptions {
  /**
   * Clock in epoch milliseconds.
   * @default Date.now
   */
  readonly clock?: () => number;
}

/** A {@link ConcurrencyStore} in process memory: slots are shared by the limiters of one process. */
export interface MemoryConcurrencyStore extends ConcurrencyStore {
  acquire(call: ConcurrencyAcquireCall): ConcurrencyAcquireReply;
  renew(call: ConcurrencyRenewCall): readonly string[];
  release(call: ConcurrencyReleaseCall): boolean;
  inFlight(key: string): number;
  /** Keys in memory (a key whose leases all expired stays until the next sweep, ≤ 10 s). */
  readonly size: number;
}

/** How often, at most, one call also sweeps the expired leases of every other key. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Creates a concurrency store in process memory. Every call first drops the key's expired
 * leases; keys nobody touches are swept every 10 seconds by whichever call comes next, so a
 * key whose holders vanished does not stay in memory.
 */
export function createMemoryConcurrencyStore(
  options: MemoryConcurrencyStoreOptions = {},
): MemoryConcurrencyStore {
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function');
  /** Per key: lease id → expiry (epoch ms). A lease is live while `now < expiry`. */
  const leases = new Map<string, Map<string, number>>();
  let sweptAt = clock();

  function prune(key: string, now: number): Map<string, number> | undefined {
    const held = leases.get(key);
    if (held === undefined) return undefined;
    for (const [leaseId, expiresAt] of held) if (expiresAt <= now) held.delete(leaseId);
    if (held.size > 0) return held;
    leases.delete(key);
    return undefined;
  }

  function sweepIfDue(now: number): void {
    if (now - sweptAt < SWEEP_INTERVAL_MS) return;
    sweptAt = now;
    for (const key of [...leases.keys()]) prune(key, now);
  }

  return {
    acquire({ key, leaseId, limit, leaseMs }) {
      const now = clock();
      sweepIfDue(now);
      const held = prune(key, now);
      const count = held?.size ?? 0;
      if (held?.has(leaseId) || count < limit) {
        const map = held ?? new Map<string, number>();
        map.set(leaseId, now + leaseMs);
        if (held === undefined) leases.set(key, map);
        return { acquired: true, inFlight: map.size, nextExpiryMs: 0 };
      }
      let earliest = Number.POSITIVE_INFINITY;
      for (const expiresAt of (held as Map<string, number>).values())
        earliest = Math.min(earliest, expiresAt);
      return { acquired: false, inFlight: count, nextExpiryMs: earliest - now };
    },
    renew({ key, leaseIds, leaseMs }) {
      const now = clock();
      const held = prune(key, now);
      const lost: string[] = [];
      for (const leaseId of leaseIds) {
        if (held?.has(leaseId)) held.set(leaseId, now + leaseMs);
        else lost.push(leaseId);
      }
      return lost;
    },
    release({ key, leaseId }) {
      const held = leases.get(key);
      if (held === undefined || !held.delete(leaseId)) return false;
      if (held.size === 0) leases.delete(key);
      return true;
    },
    inFlight(key) {
      return prune(key, clock())?.size ?? 0;
    },
    get size() {
      return leases.size;
    },
  };
}
