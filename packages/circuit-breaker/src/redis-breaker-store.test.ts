import { describe, expect, it } from 'vitest';
import { createRedisBreakerStore, type RedisScriptClient } from './redis-breaker-store.js';

const client: RedisScriptClient = {
  evalsha: () => Promise.reject(new Error('not used')),
  eval: () => Promise.reject(new Error('not used')),
};

describe('createRedisBreakerStore options', () => {
  it('validates every option at construction with a precise error', () => {
    expect(() => createRedisBreakerStore({ client: {} as RedisScriptClient })).toThrow(
      new TypeError('client must be an ioredis Redis or Cluster (evalsha and eval are required)'),
    );
    expect(() => createRedisBreakerStore({ client, prefix: 'app:{cb}:' })).toThrow(
      new RangeError('prefix must not contain "{" (it would replace the hash tag), got app:{cb}:'),
    );
    expect(() => createRedisBreakerStore({ client, prefix: 5 as unknown as string })).toThrow(
      new TypeError('prefix must be a string, got number'),
    );
    expect(() => createRedisBreakerStore({ client, instanceId: '' })).toThrow(
      new TypeError('instanceId must be a non-empty string, got ""'),
    );
    expect(() => createRedisBreakerStore({ client, quorum: 0 })).toThrow(
      new RangeError('quorum must be an integer ≥ 1, got 0'),
    );
    expect(() => createRedisBreakerStore({ client, syncIntervalMs: 0.5 })).toThrow(
      new RangeError('syncIntervalMs must be an integer ≥ 1, got 0.5'),
    );
    expect(() => createRedisBreakerStore({ client, commandTimeoutMs: Number.NaN })).toThrow(
      new RangeError('commandTimeoutMs must be an integer ≥ 1, got NaN'),
    );
    const store = createRedisBreakerStore({ client });
    expect(store.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.degraded).toBe(false);
  });

  it('keeps one unref-ed timer per store, started by the first breaker and stopped by the last', () => {
    const store = createRedisBreakerStore({ client });
    const timer = () => (store as unknown as { timer?: NodeJS.Timeout }).timer;
    expect(timer()).toBeUndefined();
    const detachA = store.attach('a', () => undefined);
    const first = timer();
    const detachB = store.attach('b', () => undefined);
    expect(timer()).toBe(first);
    expect(first?.hasRef()).toBe(false);
    detachA();
    expect(timer()).toBe(first);
    detachB();
    expect(timer()).toBeUndefined();
  });
});
