import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAsyncStore } from './__fixtures__/async-store.js';
import { createFallbackStore } from './fallback-store.js';
import { createRateLimiter } from './rate-limiter.js';
import { isStoreNotReadyError } from './store-not-ready-error.js';
import { isStoreTimeoutError } from './store-timeout-error.js';

const TIERS = { T: { windows: [{ name: 'm', limit: 10, windowMs: 3_600_000 }] } };

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { instances?: number } = {}) {
  const { store: primary, state } = createAsyncStore();
  const store = createFallbackStore({
    primary,
    timeoutMs: 100,
    probeIntervalMs: 1_000,
    ...options,
  });
  const limiter = createRateLimiter({ store, tiers: TIERS, blockedCache: false });
  const events: string[] = [];
  const errors: unknown[] = [];
  limiter.on('fallback-engaged', (event) => {
    events.push('engaged');
    errors.push(event.error);
  });
  limiter.on('fallback-recovered', () => events.push('recovered'));
  return { store, state, limiter, events, errors };
}

describe('createFallbackStore', () => {
  it('validates its options', () => {
    const { store: primary } = createAsyncStore();
    expect(() => createFallbackStore({ primary, timeoutMs: 0 })).toThrow(
      'timeoutMs must be an integer ≥ 1, got 0',
    );
    expect(() => createFallbackStore({ primary, instances: 1.5 })).toThrow(
      'instances must be an integer ≥ 1, got 1.5',
    );
    expect(() => createFallbackStore({ primary: {} as never })).toThrow(
      'primary must be a rate-limit store',
    );
  });

  it('answers locally once the primary exceeds the timeout, and announces it once', async () => {
    vi.useFakeTimers();
    const { store, state, limiter, events, errors } = setup({ instances: 2 });
    expect((await limiter.limit('k')).remaining).toBe(9);
    state.hang = true;
    const pending = [limiter.limit('k'), limiter.limit('k')];
    await vi.advanceTimersByTimeAsync(100);
    const decisions = await Promise.all(pending);
    // Local limits are divided by the 2 instances: 5 per hour here, starting from the primary's
    // last answer (1 of 10 used: 1 of 5).
    expect(decisions.map((decision) => decision.remaining)).toEqual([3, 2]);
    expect(events).toEqual(['engaged']);
    expect(isStoreTimeoutError(errors[0])).toBe(true);
    expect(store.engaged).toBe(true);
    const callsWhenEngaged = state.calls;
    expect((await limiter.limit('k')).remaining).toBe(1);
    expect(state.calls).toBe(callsWhenEngaged);
  });

  it('probes the primary at most once per interval and returns to it when it answers', async () => {
    vi.useFakeTimers();
    const { store, state, limiter, events } = setup();
    state.failWith = new Error('ECONNREFUSED');
    expect(await limiter.limit('k')).toMatchObject({ allowed: true, remaining: 9 });
    expect(events).toEqual(['engaged']);
    const afterEngage = state.calls;
    await limiter.limit('k');
    expect(state.calls).toBe(afterEngage);
    await vi.advanceTimersByTimeAsync(1_000);
    await limiter.limit('k');
    expect(state.calls).toBe(afterEngage + 1); // the probe, which failed
    expect(store.engaged).toBe(true);
    state.failWith = undefined;
    await vi.advanceTimersByTimeAsync(1_000);
    await limiter.limit('k');
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['engaged', 'recovered']);
    expect(store.engaged).toBe(false);
    // Back on the primary, which never saw the 4 local counts.
    expect((await limiter.limit('k')).remaining).toBe(9);
  });

  it('skips a primary whose connection is not ready', async () => {
    const { store: primary, state } = createAsyncStore();
    let ready = false;
    const store = createFallbackStore({
      primary: { ...primary, isReady: () => ready },
      probeIntervalMs: 1,
    });
    const limiter = createRateLimiter({ store, tiers: TIERS });
    const errors: unknown[] = [];
    limiter.on('fallback-engaged', (event) => errors.push(event.error));
    expect((await limiter.limit('k')).allowed).toBe(true);
    expect(state.calls).toBe(0);
    expect(isStoreNotReadyError(errors[0])).toBe(true);
    ready = true;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await limiter.limit('k');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.engaged).toBe(false);
  });
});
