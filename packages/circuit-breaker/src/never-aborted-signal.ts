import { setMaxListeners } from 'node:events';

// A fresh signal every this many calls bounds what a listener that is never removed can leak;
// rarely, because creating an AbortController costs tens of microseconds.
const USES_PER_SIGNAL = 65_536;

let signal = createSignal();
let uses = 0;

/**
 * A signal that never aborts, handed to calls that have neither a caller signal nor a
 * timeout: creating an AbortController per call costs microseconds.
 * @internal
 */
export function neverAbortedSignal(): AbortSignal {
  if (++uses === USES_PER_SIGNAL) {
    uses = 0;
    signal = createSignal();
  }
  return signal;
}

function createSignal(): AbortSignal {
  const created = new AbortController().signal;
  // Many concurrent calls share it; each well-behaved client removes its own listener.
  setMaxListeners(0, created);
  return created;
}
