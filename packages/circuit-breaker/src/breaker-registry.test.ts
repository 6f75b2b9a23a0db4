import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StateChangeEvent } from './breaker-events.js';
import { createBreakerRegistry } from './breaker-registry.js';

const boom = () => Promise.reject(new Error('boom'));

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createBreakerRegistry', () => {
  it('gets or creates breakers by name with shared defaults and per-name overrides', () => {
    const registry = createBreakerRegistry({
      defaults: { failureThreshold: 3, openDurationMs: 10_000 },
      overrides: (name) => (name.startsWith('openai:') ? { openDurationMs: 30_000 } : undefined),
    });
    const gpt = registry.get('openai:gpt-4o');
    expect(registry.get('openai:gpt-4o')).toBe(gpt);
    expect(gpt.settings).toMatchObject({ failureThreshold: 3, openDurationMs: 30_000 });
    const db = registry.get('postgres', { failureThreshold: 10 });
    expect(db.settings).toMatchObject({ failureThreshold: 10, openDurationMs: 10_000 });
    // Overrides given to get() apply only at creation.
    expect(registry.get('postgres', { failureThreshold: 1 }).settings.failureThreshold).toBe(10);
    expect(registry.size).toBe(2);
    expect(registry.has('postgres')).toBe(true);
    expect(registry.has('redis')).toBe(false);
  });

  it('accepts a record of overrides', () => {
    const registry = createBreakerRegistry({ overrides: { cache: { failureThreshold: 20 } } });
    expect(registry.get('cache').settings.failureThreshold).toBe(20);
    expect(registry.get('other').settings.failureThreshold).toBe(5);
  });

  it('re-emits every breaker event with its name', async () => {
    const registry = createBreakerRegistry({ defaults: { failureThreshold: 1 } });
    const changes: StateChangeEvent[] = [];
    const failures: string[] = [];
    const rejections: Array<{ name: string; retryAfterMs: number }> = [];
    const successes: string[] = [];
    registry.on('stateChange', (event) => changes.push(event));
    registry.on('failure', ({ name }) => failures.push(name));
    registry.on('rejected', ({ name, retryAfterMs }) => rejections.push({ name, retryAfterMs }));
    registry.on('success', ({ name }) => successes.push(name));
    await registry.get('a').execute(() => 'fine');
    await registry
      .get('b')
      .execute(boom)
      .catch(() => undefined);
    await registry
      .get('b')
      .execute(() => 'never')
      .catch(() => undefined);
    expect(successes).toEqual(['a']);
    expect(failures).toEqual(['b']);
    expect(changes).toEqual([
      { name: 'b', from: 'CLOSED', to: 'OPEN', reason: 'failure-threshold' },
    ]);
    expect(rejections).toEqual([{ name: 'b', retryAfterMs: 60_000 }]);
    const listener = vi.fn();
    registry.on('failure', listener);
    registry.off('failure', listener);
    await registry
      .get('a')
      .execute(boom)
      .catch(() => undefined);
    expect(listener).not.toHaveBeenCalled();
  });

  it('sees listeners added after the breaker was created, with real durations', async () => {
    const registry = createBreakerRegistry();
    const breaker = registry.get('late');
    const slowWork = () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 100));
    const durations: number[] = [];
    registry.on('success', ({ durationMs }) => durations.push(durationMs));
    const first = breaker.execute(slowWork);
    await vi.advanceTimersByTimeAsync(100);
    await first;
    expect(durations).toEqual([100]);
    const once = vi.fn();
    breaker.once('success', once);
    await breaker.execute(() => 'a');
    await breaker.execute(() => 'b');
    expect(once).toHaveBeenCalledTimes(1);
    registry.removeAllListeners();
    await breaker.execute(() => 'c');
    expect(durations).toHaveLength(3);
  });

  it('lists snapshots, resets one or all, forces open and disables by name', async () => {
    const registry = createBreakerRegistry({ defaults: { failureThreshold: 1 } });
    await registry
      .get('a')
      .execute(boom)
      .catch(() => undefined);
    await registry
      .get('b')
      .execute(boom)
      .catch(() => undefined);
    expect(registry.list().map(({ name, state }) => [name, state])).toEqual([
      ['a', 'OPEN'],
      ['b', 'OPEN'],
    ]);
    expect(registry.reset('a')).toBe(true);
    expect(registry.reset('missing')).toBe(false);
    expect(registry.get('a').state).toBe('CLOSED');
    registry.resetAll();
    expect(registry.get('b').state).toBe('CLOSED');
    registry.forceOpen('not-yet-used');
    expect(registry.get('not-yet-used').state).toBe('FORCED_OPEN');
    registry.disable('a');
    expect(registry.list().find((snapshot) => snapshot.name === 'a')?.state).toBe('DISABLED');
  });

  it('an optional shared ticker announces OPEN → HALF_OPEN without a call', async () => {
    const registry = createBreakerRegistry({
      defaults: { failureThreshold: 1, openDurationMs: 1000 },
      tickIntervalMs: 250,
    });
    const changes: string[] = [];
    registry.on('stateChange', ({ name, to }) => changes.push(`${name}:${to}`));
    for (const name of ['a', 'b'])
      await registry
        .get(name)
        .execute(boom)
        .catch(() => undefined);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(changes).toEqual(['a:OPEN', 'b:OPEN', 'a:HALF_OPEN', 'b:HALF_OPEN']);
    registry.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-emits ignored and slowCall too', async () => {
    const registry = createBreakerRegistry({
      defaults: {
        slowCallDurationMs: 100,
        classify: () => 'ignored',
      },
    });
    const ignored: Array<{ name: string; error: unknown }> = [];
    const slow: Array<{ name: string; durationMs: number }> = [];
    registry.on('ignored', (event) => ignored.push(event));
    registry.on('slowCall', (event) => slow.push(event));
    const breaker = registry.get('slow-db');
    const cause = new Error('constraint');
    await breaker.execute(() => Promise.reject(cause)).catch(() => undefined);
    const pending = breaker.execute(
      () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 150)),
    );
    await vi.advanceTimersByTimeAsync(150);
    await pending;
    expect(ignored).toEqual([{ name: 'slow-db', error: cause }]);
    expect(slow).toEqual([{ name: 'slow-db', durationMs: 150 }]);
  });

  it('validates defaults and named overrides at construction', () => {
    expect(() => createBreakerRegistry({ defaults: { failureThreshold: 0 } })).toThrow(
      new RangeError('failureThreshold must be an integer ≥ 1, got 0'),
    );
    expect(() =>
      createBreakerRegistry({ overrides: { 'openai:gpt-4o': { halfOpenMaxProbes: 0 } } }),
    ).toThrow(
      new RangeError('overrides["openai:gpt-4o"]: halfOpenMaxProbes must be an integer ≥ 1, got 0'),
    );
    expect(() => createBreakerRegistry({ overrides: 5 as never })).toThrow(
      new TypeError('overrides must be a record of options by name or a function, got 5'),
    );
    expect(() => createBreakerRegistry({ defaults: 'fast' as never })).toThrow(
      new TypeError('defaults must be an object, got fast'),
    );
    expect(() => createBreakerRegistry({ tickIntervalMs: 0 })).toThrow(
      new RangeError('tickIntervalMs must be a finite number > 0, got 0'),
    );
    // Invalid overrides from a function can only be caught when the breaker is created.
    const registry = createBreakerRegistry({ overrides: () => ({ minimumCalls: 0 }) });
    expect(() => registry.get('any')).toThrow(
      new RangeError('minimumCalls must be an integer ≥ 1, got 0'),
    );
    expect(registry.has('any')).toBe(false);
  });
});
