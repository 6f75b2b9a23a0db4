import type { WindowPlan } from './tier-plan.js';

/**
 * The stored state of one window. Sliding and fixed windows keep the epoch-aligned index of
 * the current window and the counts of it and the previous one; a token bucket keeps its
 * theoretical arrival time in `current` (GCRA).
 */
export interface WindowCounter {
  index: number;
  current: number;
  previous: number;
}

/** A window's state rolled forward to `now`, with its usage. */
export interface WindowView {
  /** Epoch-aligned index of the current window (0 for a token bucket). */
  index: number;
  current: number;
  previous: number;
  /** Units used as of now. */
  used: number;
}

/** A counter that has never counted anything. */
export function emptyCounter(): WindowCounter {
  return { index: Number.NaN, current: 0, previous: 0 };
}

/**
 * Reads a counter at `now`. This arithmetic and the Lua script's (redis-script.ts) are the
 * same, operation for operation, so memory and Redis decide alike (a property test compares
 * them).
 */
export function viewWindow(window: WindowPlan, counter: WindowCounter, now: number): WindowView {
  const length = window.windowMs;
  if (window.algorithm === 'token-bucket') {
    const used = Math.max(0, counter.current - now) / (length / window.limit);
    return { index: 0, current: counter.current, previous: 0, used };
  }
  const index = Math.floor(now / length);
  let current = 0;
  let previous = 0;
  if (counter.index === index) {
    current = counter.current;
    previous = counter.previous;
  } else if (counter.index === index - 1) previous = counter.current;
  const used =
    window.algorithm === 'sliding-window'
      ? previous * (1 - (now - index * length) / length) + current
      : current;
  return { index, current, previous, used };
}

/** Adds `amount` units to a view at `now` (a token bucket moves its arrival time). */
export function addToWindow(
  window: WindowPlan,
  view: WindowView,
  amount: number,
  now: number,
): void {
  if (window.algorithm === 'token-bucket')
    view.current = Math.max(view.current, now) + amount * (window.windowMs / window.limit);
  else view.current = view.current + amount;
  view.used = view.used + amount;
}

/** Stores a view back into its counter. */
export function saveWindow(view: WindowView, counter: WindowCounter): void {
  counter.index = view.index;
  counter.current = view.current;
  counter.previous = view.previous;
}

/** How long until `need` more units fit in a window that has no room for them now (≥ 1 ms). */
export function retryAfter(
  window: WindowPlan,
  view: WindowView,
  need: number,
  now: number,
): number {
  const length = window.windowMs;
  const room = window.limit - need;
  let retry: number;
  if (room < 0) retry = length;
  else if (window.algorithm === 'fixed-window') retry = (view.index + 1) * length - now;
  else if (window.algorithm === 'sliding-window') {
    if (view.current <= room)
      retry =
        length * (1 - (now - view.index * length) / length - (room - view.current) / view.previous);
    else retry = (view.index + 1) * length - now + length * (1 - room / view.current);
  } else retry = view.current - now - room * (length / window.limit);
  return Math.max(1, Math.ceil(retry));
}

/** When the window next resets, given the wait a denial reported (0 when it has room). */
export function resetAt(window: WindowPlan, view: WindowView, retry: number, now: number): number {
  if (window.algorithm === 'fixed-window') return (view.index + 1) * window.windowMs;
  if (retry > 0) return now + retry;
  if (window.algorithm === 'token-bucket') return Math.max(now, Math.ceil(view.current));
  return (view.index + 1) * window.windowMs;
}

/** A counter that reads `used` units at `now` (fallback seeding from a last known state). */
export function counterWithUsage(window: WindowPlan, used: number, now: number): WindowCounter {
  if (window.algorithm === 'token-bucket')
    return { index: 0, current: now + used * (window.windowMs / window.limit), previous: 0 };
  return { index: Math.floor(now / window.windowMs), current: used, previous: 0 };
}
