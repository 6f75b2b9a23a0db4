import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countBeforeExit, readAcrossIdleWait } from './clock-probes.js';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** Spins until `Date.now()` has passed `time`: the real clock moves, the turn does not end. */
function spinPast(time: number): void {
  while (Date.now() <= time) {
    // busy: no await, so this stays one event-loop turn
  }
}

/** What {@link describeTurnClock} needs from a package's copy of the clock. */
export interface TurnClockUnderTest {
  /** The package's `turnClock`, as its tests import it. */
  readonly turnClock: () => number;
  /** Path of the `turn-clock.ts` it comes from (run in fresh processes by the probes). */
  readonly modulePath: string;
  /** Imports a fresh instance of the module (after `vi.resetModules()`). */
  load(): Promise<{ turnClock: () => number }>;
}

/**
 * The tests of the per-turn clock, run by every package that keeps a copy of `turn-clock.ts`
 * (packages never import each other, so the file is copied; these tests also check that the
 * copies stay identical).
 */
export function describeTurnClock({ turnClock, modulePath, load }: TurnClockUnderTest): void {
  describe('turnClock', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it('is the same file in every package that keeps a copy', () => {
      const copies = readdirSync(PACKAGES)
        .map((name) => join(PACKAGES, name, 'src', 'turn-clock.ts'))
        .filter((path) => existsSync(path));
      expect(copies.length).toBeGreaterThanOrEqual(2);
      const mine = readFileSync(modulePath, 'utf8');
      for (const copy of copies) expect(readFileSync(copy, 'utf8'), copy).toBe(mine);
    });

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
      const { asked, answered } = await readAcrossIdleWait(modulePath);
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
      expect(await countBeforeExit(modulePath)).toBe(1);
    });

    it('reads Date.now() on every call on a runtime without setImmediate', async () => {
      vi.stubGlobal('setImmediate', undefined);
      vi.resetModules();
      try {
        const { turnClock: edgeClock } = await load();
        const first = edgeClock();
        spinPast(first);
        expect(edgeClock()).toBeGreaterThan(first);
      } finally {
        vi.unstubAllGlobals();
        vi.resetModules();
      }
    });
  });
}
