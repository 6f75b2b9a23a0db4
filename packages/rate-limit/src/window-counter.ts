import type { WindowPlan } from './tier-plan.js';

/**
 * The stored state of one window. Sliding and fixed windows keep the epoch-aligned index of
 * the window they last counted in and the counts of it and the one before; a token bucket
 * keeps its theoretical arrival time in `current` (GCRA).
 *
 * This arithmetic and the Lua script's (redis-script.ts) are the same, operation for
 * operation, so memory and Redis decide alike (a property test compares them).
 */
export interface WindowCounter {
  index: number;
  current: number;
  previous: number;
}

/** A counter that has never counted anything. */
export function emptyCounter(): WindowCounter {
  return { index: Number.NaN, current: 0, previous: 0 };
}

/** Units used as of `now`. */
export function usedAt(window: WindowPlan, counter: WindowCounter, now: number): number {
  const length = window.windowMs;
  if (window.algorithm === 'token-bucket')
    return Math.max(0, counter.current - now) / (length / window.limit);
  const index = Math.floor(now / length);
  let current = 0;
  let previous = 0;
  if (counter.index === index) {
    current = counter.current;
    previous = counter.previous;
  } else if (counter.index === index - 1) previous = counter.current;
  if (window.algorithm === 'fixed-window') return current;
  return previous * (1 - (now - index * length) / length) + current;
}

/** Counts `amount` more units at `now` (a token bucket moves its arrival time). */
export function charge(
  window: WindowPlan,
  counter: WindowCounter,
  amount: number,
  now: number,
): void {
  if (window.algorithm === 'token-bucket') {
    counter.current = Math.max(counter.current, now) + amount * (window.windowMs / window.limit);
    counter.index = 0;
    return;
  }
  // Roll the stored window forward to now: same window, the next one, or long gone.
  const index = Math.floor(now / window.windowMs);
  if (counter.index !== index) {
    counter.previous = counter.index === index - 1 ? counter.current : 0;
    counter.current = 0;
    counter.index = index;
  }
  counter.current = counter.current + amount;
}

/** How long until `need` more units fit in a window that has no room for them now (≥ 1 ms). */
export function retryAfter(
  window: WindowPlan,
  counter: WindowCounter,
  need: number,
  now: number,
): number {
  const length = window.windowMs;
  const room = window.limit - need;
  const bucket = window.algorithm === 'token-bucket';
  const index = bucket ? 0 : Math.floor(now / length);
  let current = counter.current;
  let previous = 0;
  if (!bucket) {
    if (counter.index === index) previous = counter.previous;
    else {
      previous = counter.index === index - 1 ? counter.current : 0;
      current = 0;
    }
  }
  let retry: number;
  if (room < 0) retry = length;
  else if (window.algorithm === 'fixed-window') retry = (index + 1) * length - now;
  else if (window.algorithm === 'sliding-window') {
    if (current <= room)
      retry = length * (1 - (now - index * length) / length - (room - current) / previous);
    else retry = (index + 1) * length - now + length * (1 - room / current);
  } else retry = current - now - room * (length / window.limit);
  return Math.max(1, Math.ceil(retry));
}

/** When the window next resets, given the wait a denial reported (0 when it has room). */
export function resetAt(
  window: WindowPlan,
  counter: WindowCounter,
  retry: number,
  now: number,
): number {
  if (retry > 0 && window.algorithm !== 'fixed-window') return now + retry;
  if (window.algorithm === 'token-bucket') return Math.max(now, Math.ceil(counter.current));
  return (Math.floor(now / window.windowMs) + 1) * window.windowMs;
}

/** A counter that reads `used` units at `now` (fallback seeding from a last known state). */
export function counterWithUsage(window: WindowPlan, used: number, now: number): WindowCounter {
  if (window.algorithm === 'token-bucket')
    return { index: 0, current: now + used * (window.windowMs / window.limit), previous: 0 };
  return { index: Math.floor(now / window.windowMs), current: used, previous: 0 };
}
