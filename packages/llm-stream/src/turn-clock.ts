let cached = 0;
/** Readings left before the cached one is refreshed, even within the same turn. */
let readsLeft = 0;
let armedWith: typeof setImmediate | undefined;

const READS_PER_REFRESH = 32;

function expire(): void {
  armedWith = undefined;
  readsLeft = 0;
}

/**
 * `Date.now()` read at most once per event-loop turn, and again every 32 reads within a turn.
 * Chunks that arrive in one turn (a burst, or many streams served by one socket read) share a
 * reading, which saves a clock call per chunk; chunks in later turns always get a fresh one.
 */
export function turnClock(): number {
  // A changed setImmediate means fake timers were installed or removed: the pending expiry is lost.
  if (readsLeft > 0 && armedWith === setImmediate) {
    readsLeft--;
    return cached;
  }
  return refresh();
}

/** Kept out of {@link turnClock} so that its fast path stays small enough to be inlined. */
function refresh(): number {
  cached = Date.now();
  readsLeft = READS_PER_REFRESH - 1;
  if (armedWith !== setImmediate) {
    armedWith = setImmediate;
    // Referenced on purpose: a pending referenced immediate keeps the loop from blocking in its
    // poll phase, so I/O callbacks after an idle wait never see a reading taken before it (an
    // unreferenced one let them, for as long as the wait lasted). It runs in the same loop
    // iteration, so it never keeps the process alive longer than that.
    armedWith(expire);
  }
  return cached;
}
