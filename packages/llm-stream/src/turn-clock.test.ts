import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readAcrossIdleWait } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { turnClock } from './turn-clock.js';

describe('turnClock', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads Date.now() once for up to 32 readings within one turn, then again', async () => {
    await nextTurn(); // whatever an earlier test left armed has expired
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const readings = Array.from({ length: 32 }, () => turnClock());
    expect(new Set(readings)).toEqual(new Set([1_000]));
    expect(now).toHaveBeenCalledTimes(1);
    now.mockReturnValue(2_000);
    expect(turnClock()).toBe(2_000);
    expect(now).toHaveBeenCalledTimes(2);
  });

  it('takes a fresh reading in the next event-loop turn', async () => {
    await nextTurn();
    const now = vi.spyOn(Date, 'now').mockReturnValue(5_000);
    expect(turnClock()).toBe(5_000);
    now.mockReturnValue(6_000);
    expect(turnClock()).toBe(5_000);
    await nextTurn();
    expect(turnClock()).toBe(6_000);
  });

  it('follows fake timers installed or removed within a turn', async () => {
    await nextTurn();
    const real = turnClock();
    vi.useFakeTimers({ now: 42 });
    expect(turnClock()).toBe(42);
    vi.advanceTimersByTime(10);
    expect(turnClock()).toBe(52);
    vi.useRealTimers();
    expect(turnClock()).toBeGreaterThanOrEqual(real);
  });

  it('never carries a reading across an idle wait for I/O', async () => {
    const { asked, answered } = await readAcrossIdleWait(
      fileURLToPath(new URL('./turn-clock.ts', import.meta.url)),
    );
    // The worker answered 100 ms after the first reading; the second one must see that.
    expect(answered - asked).toBeGreaterThanOrEqual(99);
  });
});
