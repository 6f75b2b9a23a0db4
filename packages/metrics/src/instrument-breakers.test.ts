import { createBreakerRegistry, createCircuitBreaker } from '@breakwater/circuit-breaker';
import EventEmitter from 'eventemitter3';
import { describe, expect, it } from 'vitest';
import { samples, sampleValue } from './__fixtures__/read-metric.js';
import { createMetrics } from './create-metrics.js';
import { instrumentBreakers } from './instrument-breakers.js';

type State = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'FORCED_OPEN' | 'DISABLED';

/** A breaker registry shaped like @breakwater/circuit-breaker's: eventemitter3 plus list(). */
class FakeBreakerRegistry extends EventEmitter<{
  stateChange: (event: { name: string; from: State; to: State; reason: string }) => void;
  success: (event: { name: string; durationMs: number }) => void;
  failure: (event: { name: string; durationMs: number; error: unknown }) => void;
  rejected: (event: { name: string; retryAfterMs: number }) => void;
  ignored: (event: { name: string; error: unknown }) => void;
  slowCall: (event: { name: string; durationMs: number }) => void;
}> {
  readonly states = new Map<string, State>();

  list() {
    return [...this.states].map(([name, state]) => ({
      name,
      state,
      failureCount: 0,
      successCount: 0,
      openedAt: null,
      retryAfterMs: 0,
      metrics: {
        totalCalls: 0,
        totalSuccesses: 0,
        totalFailures: 0,
        totalRejections: 0,
        successRate: 1,
      },
    }));
  }

  transition(name: string, to: State) {
    const from = this.states.get(name) ?? 'CLOSED';
    this.states.set(name, to);
    this.emit('stateChange', { name, from, to, reason: 'test' });
  }
}

describe('instrumentBreakers', () => {
  it('reads one-hot states at scrape time and counts transitions and calls from events', async () => {
    const metrics = createMetrics();
    const breakers = new FakeBreakerRegistry();
    breakers.states.set('anthropic', 'CLOSED');
    const stop = instrumentBreakers(metrics, breakers);

    breakers.transition('openai', 'OPEN');
    breakers.emit('success', { name: 'anthropic', durationMs: 5 });
    breakers.emit('failure', { name: 'openai', durationMs: 5, error: new Error('x') });
    breakers.emit('rejected', { name: 'openai', retryAfterMs: 1000 });
    breakers.emit('rejected', { name: 'openai', retryAfterMs: 900 });
    breakers.emit('ignored', { name: 'openai', error: new Error('400') });
    breakers.emit('slowCall', { name: 'anthropic', durationMs: 9000 });

    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'openai', state: 'open' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'openai', state: 'closed' }),
    ).toBe(0);
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'anthropic', state: 'closed' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerTransitions, {
        breaker: 'openai',
        from: 'closed',
        to: 'open',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'rejected' }),
    ).toBe(2);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'failure' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'ignored' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'anthropic', result: 'success' }),
    ).toBe(1);
    expect(await sampleValue(registry, names.breakerSlowCalls, { breaker: 'anthropic' })).toBe(1);

    // A state change without an event (e.g. reset) shows at the next scrape.
    breakers.states.set('openai', 'HALF_OPEN');
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'openai', state: 'half_open' }),
    ).toBe(1);

    stop();
    stop();
    for (const event of [
      'stateChange',
      'success',
      'failure',
      'rejected',
      'ignored',
      'slowCall',
    ] as const) {
      expect(breakers.listenerCount(event)).toBe(0);
    }
    breakers.transition('openai', 'CLOSED');
    breakers.emit('rejected', { name: 'openai', retryAfterMs: 1 });
    expect(
      await sampleValue(registry, names.breakerTransitions, {
        breaker: 'openai',
        from: 'half_open',
        to: 'closed',
      }),
    ).toBeUndefined();
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'rejected' }),
    ).toBe(2);
    expect(await samples(registry, names.breakerState)).toEqual([]);
  });

  it('binds the real @breakwater/circuit-breaker registry (structurally, no runtime import)', async () => {
    const metrics = createMetrics();
    const breakers = createBreakerRegistry({
      defaults: { failureThreshold: 1, slowCallDurationMs: 1 },
    });
    const stop = instrumentBreakers(metrics, breakers);
    const openai = breakers.get('openai');
    breakers.get('anthropic');
    const unavailable = Object.assign(new Error('503'), { status: 503 });
    await openai.execute(() => Promise.reject(unavailable)).catch(() => undefined);
    await openai.execute(() => 'never runs').catch(() => undefined);
    await openai.execute(() => 'never runs').catch(() => undefined);

    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'openai', state: 'open' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'anthropic', state: 'closed' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerTransitions, {
        breaker: 'openai',
        from: 'closed',
        to: 'open',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'failure' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'openai', result: 'rejected' }),
    ).toBe(2);
    breakers.forceOpen('anthropic');
    expect(
      await sampleValue(registry, names.breakerState, {
        breaker: 'anthropic',
        state: 'forced_open',
      }),
    ).toBe(1);

    stop();
    for (const event of [
      'stateChange',
      'success',
      'failure',
      'rejected',
      'ignored',
      'slowCall',
    ] as const) {
      expect(breakers.listenerCount(event)).toBe(0);
    }
    expect(await samples(registry, names.breakerState)).toEqual([]);
  });

  it('binds a lone breaker from createCircuitBreaker, reading its name and state', async () => {
    const metrics = createMetrics();
    const breaker = createCircuitBreaker({ name: 'postgres', failureThreshold: 1 });
    const stop = instrumentBreakers(metrics, breaker);
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'postgres', state: 'closed' }),
    ).toBe(1);
    const unavailable = Object.assign(new Error('503'), { status: 503 });
    await breaker.execute(() => Promise.reject(unavailable)).catch(() => undefined);
    await breaker.execute(() => 'never runs').catch(() => undefined);
    expect(
      await sampleValue(registry, names.breakerState, { breaker: 'postgres', state: 'open' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerTransitions, {
        breaker: 'postgres',
        from: 'closed',
        to: 'open',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.breakerCalls, { breaker: 'postgres', result: 'rejected' }),
    ).toBe(1);
    stop();
    expect(breaker.listenerCount('stateChange')).toBe(0);
    expect(await samples(registry, names.breakerState)).toEqual([]);
  });

  it('refuses metrics not made by createMetrics and registries without list()', () => {
    const metrics = createMetrics();
    expect(() => instrumentBreakers({ ...metrics }, new FakeBreakerRegistry())).toThrow(
      'metrics must be created by createMetrics()',
    );
    expect(() => instrumentBreakers(metrics, new EventEmitter() as never)).toThrow(
      new TypeError(
        'breakers must be a breaker registry (on(), off(), list()) or a breaker (on(), off(), name, state)',
      ),
    );
    const withoutOff = { on: () => undefined, list: () => [] };
    expect(() => instrumentBreakers(metrics, withoutOff as never)).toThrow(
      new TypeError(
        'breakers must be a breaker registry (on(), off(), list()) or a breaker (on(), off(), name, state)',
      ),
    );
  });
});
