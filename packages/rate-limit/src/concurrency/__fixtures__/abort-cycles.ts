import { expect, vi } from 'vitest';
import { type ConcurrencyLimiter, createConcurrencyLimiter } from '../concurrency-limiter.js';
import type { ConcurrencyStore } from '../concurrency-store.js';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What {@link runAbortCycles} observed. */
export interface AbortCyclesResult {
  /** Grants, counted by the `acquired` event. */
  readonly acquired: number;
  /** Releases, counted by the `released` event. */
  readonly released: number;
  /** Calls that rejected because their signal aborted. */
  readonly aborts: number;
  /** Most grants held at once in this process. */
  readonly maxInFlight: number;
}

/**
 * `workers` concurrent loops of `cycles` acquire/release cycles each on one key, where about
 * one call in six aborts: before it starts, while its store answer is on its way, or while it
 * waits in the queue; some holders release twice. Every call that is not aborted must get a slot.
 */
export async function runAbortCycles(options: {
  limiter: ConcurrencyLimiter;
  key: string;
  workers: number;
  cycles: number;
  seed: number;
}): Promise<AbortCyclesResult> {
  const { limiter, key } = options;
  let acquired = 0;
  let released = 0;
  const countAcquired = () => acquired++;
  const countReleased = () => released++;
  limiter.on('acquired', countAcquired);
  limiter.on('released', countReleased);
  const next = seededRandom(options.seed);
  let inFlight = 0;
  let maxInFlight = 0;
  let aborts = 0;
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function worker() {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const controller = new AbortController();
      const roll = next();
      if (roll < 0.05) controller.abort(new Error('before'));
      const pending = limiter.acquire(key, { signal: controller.signal });
      if (roll >= 0.05 && roll < 0.1)
        queueMicrotask(() => controller.abort(new Error('in flight')));
      else if (roll >= 0.1 && roll < 0.15)
        setTimeout(() => controller.abort(new Error('queued')), Math.floor(next() * 3));
      let decision: Awaited<typeof pending>;
      try {
        decision = await pending;
      } catch {
        aborts++;
        continue;
      }
      if (!decision.acquired) throw new Error(`unexpected rejection: ${decision.reason}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (next() < 0.5) await tick();
      inFlight--;
      // Some holders release twice, as an error path and a finally block would.
      const release = decision.lease.release();
      if (next() < 0.1) void decision.lease.release();
      await release;
    }
  }

  try {
    await Promise.all(Array.from({ length: options.workers }, () => worker()));
  } finally {
    limiter.off('acquired', countAcquired);
    limiter.off('released', countReleased);
  }
  return { acquired, released, aborts, maxInFlight };
}

const LEAK_CHECK_WORKERS = 50;
const LEAK_CHECK_LIMIT = 8;

/**
 * The leak check of a shared store: {@link runAbortCycles} with 50 workers on key `shared`
 * through a fail-closed limiter of 8 slots over `store`. Every call is either granted or
 * aborted (and more than a tenth abort), no more than 8 are held at once, every grant is
 * released, and the store counts no slot once the answers of aborted calls have landed.
 */
export async function expectNoLeakedSlots(
  store: ConcurrencyStore,
  run: { cycles: number; seed: number },
): Promise<void> {
  const limiter = createConcurrencyLimiter({
    store,
    limit: LEAK_CHECK_LIMIT,
    maxQueue: 64,
    maxWaitMs: 60_000,
    storeTimeoutMs: 10_000,
    failMode: 'closed',
  });
  const result = await runAbortCycles({
    limiter,
    key: 'shared',
    workers: LEAK_CHECK_WORKERS,
    ...run,
  });
  const calls = LEAK_CHECK_WORKERS * run.cycles;
  expect(result.acquired + result.aborts).toBe(calls);
  expect(result.aborts).toBeGreaterThan(calls / 10);
  expect(result.maxInFlight).toBeLessThanOrEqual(LEAK_CHECK_LIMIT);
  expect(result.released).toBe(result.acquired);
  // Slots taken by calls that aborted mid-answer are given back once the answer lands.
  await vi.waitFor(async () => expect(await store.inFlight('shared')).toBe(0));
  expect(limiter.held).toBe(0);
}
