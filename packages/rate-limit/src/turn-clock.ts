// The same file lives in @breakwater/rate-limit and @breakwater/llm-stream (packages never
// import each other at runtime); keep the copies identical: the shared clock tests check it.

/** Reads served from one cached value before the clock is read again within the same turn. */
const READS_PER_REFRESH = 32;

/**
 * The runtime's own `setImmediate`, taken when this module loads (fake timers installed later
 * replace the global, and an expiry queued on a fake would never run); undefined on runtimes
 * without one (edge, browsers), where every read goes to `Date.now()`.
 */
const schedule: ((callback: () => void) => unknown) | undefined =
  typeof globalThis.setImmediate === 'function'
    ? globalThis.setImmediate.bind(globalThis)
    : undefined;

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
/** Set once the process emitted `beforeExit`: from then on nothing is scheduled. */
let exiting = false;
let watchingExit = false;

function expire(): void {
  armed = false;
}

function onBeforeExit(): void {
  exiting = true;
  armed = false;
}

function refresh(): number {
  const now = Date.now();
  reads = 0;
  if (Date.now !== nativeNow || schedule === undefined || exiting) return now;
  cached = now;
  if (!armed) {
    armed = true;
    // Kept referenced on purpose: a pending referenced immediate stops the loop from blocking
    // in its poll phase, so I/O callbacks after an idle wait cannot see a reading taken before
    // it (an unreferenced one let them, however long the wait). It runs in the same loop
    // iteration. It would re-arm `beforeExit` for a handler that reads the clock, so after
    // `beforeExit` the clock stops caching instead.
    schedule(expire);
    if (!watchingExit) {
      watchingExit = true;
      (
        globalThis as { process?: { once?(event: string, listener: () => void): unknown } }
      ).process?.once?.('beforeExit', onBeforeExit);
    }
  }
  return now;
}

/**
 * Epoch milliseconds from `Date.now()`, read at most once per event-loop turn and again every
 * 32 reads within a turn: a burst of work in one turn shares one reading, which saves a clock
 * call (about 30 ns) each time. A reading is never older than the current turn, and a turn
 * holding one never waits for I/O: the first read after an idle wait is always fresh.
 *
 * While `Date.now` is replaced (fake timers, spies), after `beforeExit`, and on runtimes
 * without `setImmediate`, every call reads `Date.now()` directly.
 */
export function turnClock(): number {
  if (armed && ++reads < READS_PER_REFRESH && Date.now === nativeNow) return cached;
  return refresh();
}
