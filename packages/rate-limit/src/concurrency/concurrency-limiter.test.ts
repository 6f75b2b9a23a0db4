import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStoreTimeoutError } from '../store-timeout-error.js';
import { runAbortCycles } from './__fixtures__/abort-cycles.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import type { ConcurrencyLimiterEvents } from './concurrency-limiter-events.js';
import type { ConcurrencyStore } from './concurrency-store.js';
import { isLeaseLostError } from './lease-lost-error.js';
import { createMemoryConcurrencyStore } from './memory-concurrency-store.js';

type EventLog = Array<
  {
    [K in keyof ConcurrencyLimiterEvents]: [K, Parameters<ConcurrencyLimiterEvents[K]>[0]];
  }[keyof ConcurrencyLimiterEvents]
>;

function record(limiter: ReturnType<typeof createConcurrencyLimiter>): EventLog {
  const log: EventLog = [];
  for (const name of [
    'acquired',
    'queued',
    'rejected',
    'released',
    'lease-lost',
    'store-error',
  ] as const)
    limiter.on(name, ((event: unknown) => log.push([name, event] as never)) as never);
  return log;
}

/** A memory store whose answers arrive `delayMs` late (the store still applies them at once). */
function slowStore(delayMs: number, inner = createMemoryConcurrencyStore()) {
  const later = <T>(value: T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), delayMs));
  const store: ConcurrencyStore = {
    acquire: (call) => later(inner.acquire(call)),
    renew: (call) => inner.renew(call),
    release: (call) => inner.release(call),
    inFlight: (key) => inner.inFlight(key),
  };
  return { store, inner };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createConcurrencyLimiter', () => {
  it('validates its options with precise messages', () => {
    expect(() => createConcurrencyLimiter({ limit: 0 })).toThrow(
      'limit must be an integer ≥ 1, got 0',
    );
    expect(() => createConcurrencyLimiter({ leaseMs: 1_000, renewIntervalMs: 1_000 })).toThrow(
      'renewIntervalMs must be ≥ 1 and below leaseMs (1000), got 1000',
    );
    expect(() => createConcurrencyLimiter({ maxQueue: -1 })).toThrow(
      'maxQueue must be a number from 0 to 2147483647, got -1',
    );
    expect(() => createConcurrencyLimiter({ failMode: 'maybe' as never })).toThrow(
      "failMode must be 'open' or 'closed', got maybe",
    );
    expect(() => createConcurrencyLimiter({ poll: { minMs: 50, maxMs: 10 } })).toThrow(
      'poll.maxMs must be ≥ poll.minMs (50), got 10',
    );
    expect(() => createConcurrencyLimiter({ store: {} as never })).toThrow(
      'store must be a ConcurrencyStore',
    );
  });

  it('rejects bad acquire arguments', async () => {
    const limiter = createConcurrencyLimiter();
    await expect(limiter.acquire('')).rejects.toThrow('key must be a non-empty string');
    await expect(limiter.acquire('k', { limit: 1.5 })).rejects.toThrow(
      'limit must be an integer ≥ 1, got 1.5',
    );
    await expect(limiter.acquire('k', { maxWaitMs: 3e9 })).rejects.toThrow(
      'maxWaitMs must be a number from 0 to 2147483647, got 3000000000',
    );
    await expect(limiter.acquire('k', { maxWaitMs: -1 })).rejects.toThrow(
      'maxWaitMs must be a number from 0 to 2147483647, got -1',
    );
  });

  it('emits acquired, rejected and released with the contract payloads', async () => {
    let now = 1_000;
    const limiter = createConcurrencyLimiter({ limit: 1, clock: () => now });
    const log = record(limiter);
    const first = await limiter.acquire('user:1');
    const second = await limiter.acquire('user:1');
    expect(second).toEqual({
      acquired: false,
      key: 'user:1',
      reason: 'limit',
      inFlight: 1,
      limit: 1,
      waitedMs: 0,
    });
    now += 250;
    if (!first.acquired) throw new Error('the slot was free');
    await first.lease.release();
    expect(log).toEqual([
      ['acquired', { key: 'user:1', inFlight: 1, limit: 1, waitedMs: 0 }],
      ['rejected', { key: 'user:1', reason: 'limit', inFlight: 1, limit: 1 }],
      ['released', { key: 'user:1', heldMs: 250 }],
    ]);
  });

  it('releases once however often release() or asyncDispose is called', async () => {
    const store = createMemoryConcurrencyStore();
    const release = vi.spyOn(store, 'release');
    const limiter = createConcurrencyLimiter({ store, limit: 1 });
    const log = record(limiter);
    const decision = await limiter.acquire('k');
    if (!decision.acquired) throw new Error('the slot was free');
    await Promise.all([decision.lease.release(), decision.lease[Symbol.asyncDispose]()]);
    await decision.lease.release();
    expect(release).toHaveBeenCalledTimes(1);
    expect(log.filter(([name]) => name === 'released')).toHaveLength(1);
    expect(decision.lease.state).toBe('released');
    expect(limiter.held).toBe(0);
  });

  it('keeps its slots right when a listener throws, and rethrows the error on a later microtask', async () => {
    const deferred: Array<() => void> = [];
    const queueMicrotask = vi
      .spyOn(globalThis, 'queueMicrotask')
      .mockImplementation((callback) => deferred.push(callback));
    try {
      const store = createMemoryConcurrencyStore();
      const limiter = createConcurrencyLimiter({ store, limit: 1, maxQueue: 1 });
      const bug = new Error('listener bug');
      limiter.on('acquired', () => {
        throw bug;
      });
      const first = await limiter.acquire('k');
      const queued = limiter.acquire('k');
      if (!first.acquired) throw new Error('the slot was free');
      await first.lease.release();
      const second = await queued;
      if (!second.acquired) throw new Error('the waiter gets the slot');
      expect(store.inFlight('k')).toBe(1);
      await second.lease.release();
      expect(store.inFlight('k')).toBe(0);
      expect(deferred).toHaveLength(2);
      for (const rethrow of deferred) expect(rethrow).toThrow(bug);
    } finally {
      queueMicrotask.mockRestore();
    }
  });

  it('rejects with queue_full beyond maxQueue waiters of one key, and with timeout after maxWaitMs', async () => {
    vi.useFakeTimers();
    const limiter = createConcurrencyLimiter({ limit: 1, maxQueue: 2, maxWaitMs: 5_000 });
    const log = record(limiter);
    const holder = await limiter.acquire('k');
    const waiting = [limiter.acquire('k'), limiter.acquire('k')];
    const full = await limiter.acquire('k');
    expect(full).toMatchObject({ acquired: false, reason: 'queue_full', inFlight: 1 });
    expect(log.filter(([name]) => name === 'queued')).toEqual([
      ['queued', { key: 'k', queued: 1 }],
      ['queued', { key: 'k', queued: 2 }],
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    const timedOut = await Promise.all(waiting);
    for (const decision of timedOut)
      expect(decision).toMatchObject({
        acquired: false,
        reason: 'timeout',
        inFlight: 1,
        waitedMs: 5_000,
      });
    expect(limiter.queued('k')).toBe(0);
    // A call that may not wait tries once, even with others queued.
    expect(await limiter.acquire('k', { maxWaitMs: 0 })).toMatchObject({ reason: 'limit' });
    if (holder.acquired) await holder.lease.release();
  });

  it('rejects an already-aborted call with its reason and emits rejected: aborted', async () => {
    const limiter = createConcurrencyLimiter();
    const log = record(limiter);
    const reason = new Error('gone');
    await expect(limiter.acquire('k', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(log).toEqual([['rejected', { key: 'k', reason: 'aborted', inFlight: 0, limit: 10 }]]);
  });

  it('gives back a slot the store granted after the caller aborted', async () => {
    const { store, inner } = slowStore(50);
    const limiter = createConcurrencyLimiter({ store, limit: 1 });
    const controller = new AbortController();
    const pending = limiter.acquire('k', { signal: controller.signal });
    controller.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');
    // The store applied the acquire: the limiter releases it as soon as the answer lands.
    expect(inner.inFlight('k')).toBe(1);
    await vi.waitFor(() => expect(inner.inFlight('k')).toBe(0));
  });

  it('gives back a slot granted to a queued waiter that aborted while its answer was on its way', async () => {
    const { store, inner } = slowStore(100);
    const limiter = createConcurrencyLimiter({ store, limit: 1, maxQueue: 5 });
    const holder = await limiter.acquire('k');
    if (!holder.acquired) throw new Error('the slot was free');
    const controller = new AbortController();
    const waiting = limiter.acquire('k', { signal: controller.signal });
    await vi.waitFor(() => expect(limiter.queued('k')).toBe(1));
    await holder.lease.release();
    // The waiter's attempt took the slot in the store; its answer has not arrived yet.
    await vi.waitFor(() => expect(inner.inFlight('k')).toBe(1), { interval: 1 });
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    await vi.waitFor(() => expect(inner.inFlight('k')).toBe(0));
    expect(limiter.held).toBe(0);
  });

  it('bounds every store call and gives back what a timed-out acquire took', async () => {
    const { store, inner } = slowStore(300);
    const limiter = createConcurrencyLimiter({
      store,
      limit: 1,
      storeTimeoutMs: 50,
      failMode: 'closed',
    });
    const log = record(limiter);
    const error = await limiter.acquire('k').catch((reason: unknown) => reason);
    expect(isStoreTimeoutError(error)).toBe(true);
    expect(log).toEqual([['store-error', { error }]]);
    await vi.waitFor(() => expect(inner.inFlight('k')).toBe(0), { timeout: 5_000 });
    expect(inner.size).toBe(0);
  });

  it('aborts the lease signal with LeaseLostError when a renewal finds the lease gone', async () => {
    vi.useFakeTimers();
    const inner = createMemoryConcurrencyStore();
    const store: ConcurrencyStore = { ...inner, renew: ({ leaseIds }) => leaseIds };
    const limiter = createConcurrencyLimiter({ store, leaseMs: 3_000 });
    const log = record(limiter);
    const decision = await limiter.acquire('k');
    if (!decision.acquired) throw new Error('the slot was free');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(decision.lease.state).toBe('lost');
    expect(isLeaseLostError(decision.lease.signal.reason)).toBe(true);
    expect(limiter.held).toBe(0);
    expect(log.map(([name]) => name)).toEqual(['acquired', 'lease-lost']);
    await decision.lease.release();
    expect(log.map(([name]) => name)).toEqual(['acquired', 'lease-lost', 'released']);
  });

  it('renews held leases on one timer and stops it when none are held', async () => {
    vi.useFakeTimers();
    const store = createMemoryConcurrencyStore();
    const renew = vi.spyOn(store, 'renew');
    const limiter = createConcurrencyLimiter({ store, leaseMs: 3_000, limit: 5 });
    const decisions = await Promise.all([
      limiter.acquire('a'),
      limiter.acquire('a'),
      limiter.acquire('b'),
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    // 10 renewal ticks, one call per key each; every lease still held after 3 lease times.
    expect(renew).toHaveBeenCalledTimes(20);
    expect(store.inFlight('a')).toBe(2);
    for (const decision of decisions) if (decision.acquired) await decision.lease.release();
    // The timer stops at its first tick with nothing held.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(renew).toHaveBeenCalledTimes(20);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaks no slot over 100,000 acquire/release cycles with random aborts', async () => {
    const store = createMemoryConcurrencyStore();
    const limiter = createConcurrencyLimiter({ store, limit: 8, maxQueue: 64, maxWaitMs: 60_000 });
    const result = await runAbortCycles({
      limiter,
      key: 'shared',
      workers: 50,
      cycles: 2_000,
      seed: 17,
    });
    expect(result.acquired + result.aborts).toBe(100_000);
    expect(result.aborts).toBeGreaterThan(10_000);
    expect(result.maxInFlight).toBe(8);
    expect(result.released).toBe(result.acquired);
    await vi.waitFor(() => expect(store.inFlight('shared')).toBe(0));
    expect(store.size).toBe(0);
    expect(limiter.held).toBe(0);
    expect(limiter.queued('shared')).toBe(0);
  }, 120_000);
});
