import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from './deadline-queue.js';
import { isStoreTimeoutError } from './store-timeout-error.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A queue on a clock the test moves by hand, with fake timers underneath. */
function setup(timeoutMs: number) {
  vi.useFakeTimers();
  let now = 1_000_000;
  const queue = new DeadlineQueue(timeoutMs, () => now);
  return {
    queue,
    /** The event loop was busy for `ms`: the clock moves, no timer runs. */
    stall(ms: number) {
      now += ms;
    },
    /** The event loop is free for `ms`: the clock moves and due timers run. */
    async run(ms: number) {
      now += ms;
      await vi.advanceTimersByTimeAsync(ms);
    },
  };
}

describe('DeadlineQueue', () => {
  it('rejects a call that outlives the timeout with StoreTimeoutError, and ignores its late answer', async () => {
    const { queue, run } = setup(100);
    let answer: (value: string) => void = () => undefined;
    const wrapped = queue.wrap(new Promise<string>((resolve) => (answer = resolve)));
    const outcome = wrapped.catch((error: unknown) => error);
    await run(99);
    await run(1);
    const error = await outcome;
    expect(isStoreTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'RATE_LIMIT_STORE_TIMEOUT', timeoutMs: 100 });
    answer('late');
    await run(10);
  });

  it('lets an answer that arrives right after a stall win over the late timer', async () => {
    const { queue, stall, run } = setup(100);
    let answer: (value: string) => void = () => undefined;
    const wrapped = queue.wrap(new Promise<string>((resolve) => (answer = resolve)));
    // 300 ms of synchronous work: the timer could not fire on time.
    stall(300);
    await run(100);
    // The answer read in the next turn wins: the timer only gave the loop a grace period.
    answer('fresh');
    await expect(wrapped).resolves.toBe('fresh');
  });

  it('still rejects after a stall when no answer comes: timeout, stall and one grace at most', async () => {
    const { queue, stall, run } = setup(100);
    const wrapped = queue.wrap(new Promise<string>(() => undefined));
    const outcome = wrapped.catch((error: unknown) => error);
    stall(300);
    await run(100);
    await run(100);
    expect(isStoreTimeoutError(await outcome)).toBe(true);
  });
});
