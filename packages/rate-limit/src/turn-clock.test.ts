// The same tests run against the copy of turn-clock.ts in each package that has one.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { countBeforeExit, readAcrossIdleWait } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { turnClock } from './turn-clock.js';

const CLOCK_MODULE = fileURLToPath(new URL('./turn-clock.ts', import.meta.url));

/** Spins until `Date.now()` has passed `time`: the real clock moves, the turn does not end. */
function spinPast(time: number): void {
  while (Date.now() <= time) {
    // busy: no await, so this stays one event-loop turn
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('turnClock', () => {
  it('shares one reading within a turn and reads again in the next one', async () => {
    await nextTurn();
    const before = Date.now();
    const first = turnClock();
    // The first read of a turn is fresh.
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now());
    spinPast(first + 2);
    expect(turnClock()).toBe(first);
    await Promise.resolve(); // a microtask is still the same turn
    expect(turnClock()).toBe(first);
    await nextTurn();
    expect(turnClock()).toBeGreaterThan(first + 2);
  });

  it('never carries a reading across an idle wait for I/O', async () => {
    const { asked, answered } = await readAcrossIdleWait(CLOCK_MODULE);
    // The worker answered 100 ms after the first reading; the second one must see that.
    expect(answered - asked).toBeGreaterThanOrEqual(99);
  });

  it('reads the clock again every 32 reads within one turn', async () => {
    await nextTurn();
    const first = turnClock();
    spinPast(first);
    const reads = Array.from({ length: 32 }, () => turnClock());
    expect(reads.slice(0, 31)).toEqual(Array.from({ length: 31 }, () => first));
    expect(reads[31]).toBeGreaterThan(first);
  });

  it('reads a replaced Date.now on every call, so fake timers apply at once', async () => {
    const T0 = 1_800_000_000_000;
    await nextTurn();
    turnClock();
    vi.useFakeTimers({ now: T0 });
    expect(turnClock()).toBe(T0);
    vi.setSystemTime(T0 + 5);
    expect(turnClock()).toBe(T0 + 5);
    vi.advanceTimersByTime(10);
    expect(turnClock()).toBe(T0 + 15);
    vi.useRealTimers();
    vi.spyOn(Date, 'now').mockReturnValue(42);
    expect(turnClock()).toBe(42);
    vi.restoreAllMocks();
    // The runtime's own Date.now is back: readings are shared within a turn again.
    await nextTurn();
    const first = turnClock();
    spinPast(first);
    expect(turnClock()).toBe(first);
  });

  it('schedules nothing after beforeExit, so a handler that reads it lets the process exit', async () => {
    expect(await countBeforeExit(CLOCK_MODULE)).toBe(1);
  });

  it('reads Date.now() on every call on a runtime without setImmediate', async () => {
    vi.stubGlobal('setImmediate', undefined);
    vi.resetModules();
    try {
      const { turnClock: edgeClock } = await import('./turn-clock.js');
      const first = edgeClock();
      spinPast(first);
      expect(edgeClock()).toBeGreaterThan(first);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
