let cached = 0;
let reads = 0;
let armedWith: typeof setImmediate | undefined;

const READS_PER_REFRESH = 32;

function expire(): void {
  armedWith = undefined;
}

/**
 * `Date.now()` read at most once per event-loop turn, and again every 32 reads within a turn.
 * Chunks that arrive in one turn (a burst, or many streams served by one socket read) share a
 * reading, which saves a clock call per chunk; chunks in later turns always get a fresh one.
 */
export function turnClock(): number {
  // A changed setImmediate means fake timers were installed or removed: the pending expiry is lost.
  if (
    armedWith !== undefined &&
    armedWith === globalThis.setImmediate &&
    ++reads < READS_PER_REFRESH
  ) {
    return cached;
  }
  reads = 0;
  cached = Date.now();
  if (armedWith !== globalThis.setImmediate) {
    armedWith = globalThis.setImmediate;
    const immediate = armedWith(expire);
    immediate.unref?.();
  }
  return cached;
}
