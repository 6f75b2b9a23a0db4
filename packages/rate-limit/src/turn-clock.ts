// The genuine setImmediate: fake timers replace the global one, and an expiry queued on a fake
// would never run unless the test advanced its timers.
import { setImmediate } from 'node:timers';

/** Reads served from one cached value before the clock is read again within the same turn. */
const READS_PER_REFRESH = 32;

/**
 * The runtime's own `Date.now`, or undefined when it was already replaced when this module
 * loaded. A replaced `Date.now` (fake timers, a spy) is read on every call instead of cached, so
 * `vi.setSystemTime()` and friends take effect at once.
 */
const nativeNow: (() => number) | undefined = /\{\s*\[native code\]\s*\}\s*$/.test(
  Function.prototype.toString.call(Date.now),
)
  ? Date.now
  : undefined;

let cached = 0;
let reads = 0;
let armed = false;

function expire(): void {
  armed = false;
}

function refresh(): number {
  const now = Date.now();
  reads = 0;
  if (Date.now !== nativeNow) return now;
  cached = now;
  if (!armed) {
    armed = true;
    // Kept referenced on purpose: a pending referenced immediate stops the loop from blocking
    // in its poll phase, so I/O callbacks after an idle wait cannot see a reading taken before
    // it (an unreferenced one let them, however long the wait). It runs in the same loop
    // iteration, so it never keeps the process alive longer than that.
    setImmediate(expire);
  }
  return now;
}

/**
 * Epoch milliseconds from `Date.now()`, read at most once per event-loop turn and again every
 * 32 reads within a turn: a burst of decisions in one turn shares one reading, which saves a
 * clock call (about 30 ns) per decision. A reading is never older than the current turn, and a
 * turn holding one never waits for I/O: the first read after an idle wait is always fresh.
 *
 * The default clock of the limiter and the stores. While `Date.now` is replaced (fake timers,
 * spies), every call reads it directly.
 */
export function turnClock(): number {
  if (armed && ++reads < READS_PER_REFRESH && Date.now === nativeNow) return cached;
  return refresh();
}
