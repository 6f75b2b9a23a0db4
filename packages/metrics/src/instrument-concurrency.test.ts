import { createConcurrencyLimiter } from '@breakwater/rate-limit';
import EventEmitter from 'eventemitter3';
import { describe, expect, it } from 'vitest';
import { sampleValue } from './__fixtures__/read-metric.js';
import { createMetrics } from './create-metrics.js';
import { instrumentConcurrency } from './instrument-concurrency.js';

/** A concurrency limiter shaped like @breakwater/rate-limit's (camelCase events). */
class FakeConcurrencyLimiter extends EventEmitter<{
  acquired: (event: { key: string; inFlight: number; limit: number; waitedMs: number }) => void;
  queued: (event: { key: string; queued: number }) => void;
  rejected: (event: {
    key: string;
    reason: 'limit' | 'queue_full' | 'timeout' | 'aborted';
    inFlight: number;
    limit: number;
  }) => void;
  released: (event: { key: string; heldMs: number }) => void;
  'lease-lost': (event: { key: string; heldMs: number }) => void;
  'store-error': (event: { error: unknown }) => void;
}> {}

describe('instrumentConcurrency', () => {
  it('tracks slots in flight, waits, refusals by reason and store errors, never by key', async () => {
    const metrics = createMetrics();
    const limiter = new FakeConcurrencyLimiter();
    const stop = instrumentConcurrency(metrics, limiter, { name: 'chat' });
    const { registry, names } = metrics;
    const chat = { limiter: 'chat' };

    limiter.emit('acquired', { key: 'user:1', inFlight: 1, limit: 2, waitedMs: 0 });
    limiter.emit('queued', { key: 'user:1', queued: 1 });
    limiter.emit('acquired', { key: 'user:1', inFlight: 2, limit: 2, waitedMs: 1500 });
    limiter.emit('rejected', { key: 'user:1', reason: 'queue_full', inFlight: 2, limit: 2 });
    limiter.emit('rejected', { key: 'user:1', reason: 'timeout', inFlight: 2, limit: 2 });
    limiter.emit('rejected', { key: 'user:2', reason: 'timeout', inFlight: 2, limit: 2 });
    limiter.emit('store-error', { error: new Error('redis down') });
    limiter.emit('lease-lost', { key: 'user:1', heldMs: 45_000 });
    expect(await sampleValue(registry, names.concurrencyInFlight, chat)).toBe(2);
    expect(await sampleValue(registry, names.concurrencyWait, chat, '_count')).toBe(2);
    expect(await sampleValue(registry, names.concurrencyWait, chat, '_sum')).toBe(1.5);
    expect(
      await sampleValue(registry, names.concurrencyRejections, { ...chat, reason: 'timeout' }),
    ).toBe(2);
    expect(
      await sampleValue(registry, names.concurrencyRejections, { ...chat, reason: 'queue_full' }),
    ).toBe(1);
    expect(await sampleValue(registry, names.concurrencyStoreErrors, chat)).toBe(1);
    expect(await sampleValue(registry, names.concurrencyLeasesLost, chat)).toBe(1);
    expect(await metrics.metrics()).not.toContain('user:');

    limiter.emit('released', { key: 'user:1', heldMs: 2000 });
    expect(await sampleValue(registry, names.concurrencyInFlight, chat)).toBe(1);

    stop();
    expect(await sampleValue(registry, names.concurrencyInFlight, chat)).toBe(0);
    for (const event of [
      'acquired',
      'released',
      'rejected',
      'lease-lost',
      'store-error',
    ] as const) {
      expect(limiter.listenerCount(event)).toBe(0);
    }
  });

  it('meters the concurrency limiter of @breakwater/rate-limit: a wait, a refusal, a release', async () => {
    const metrics = createMetrics();
    const limiter = createConcurrencyLimiter({ limit: 1, maxQueue: 1, maxWaitMs: 5000 });
    const stop = instrumentConcurrency(metrics, limiter, { name: 'chat' });
    const { registry, names } = metrics;
    const chat = { limiter: 'chat' };

    const first = await limiter.acquire('user:1');
    const waiting = limiter.acquire('user:1');
    const refused = await limiter.acquire('user:1', { maxWaitMs: 0 });
    expect(first.acquired).toBe(true);
    expect(refused).toMatchObject({ acquired: false, reason: 'limit' });
    expect(await sampleValue(registry, names.concurrencyInFlight, chat)).toBe(1);
    if (first.acquired) await first.lease.release();
    const second = await waiting;
    expect(second.acquired).toBe(true);
    expect(await sampleValue(registry, names.concurrencyWait, chat, '_count')).toBe(2);
    expect(
      await sampleValue(registry, names.concurrencyRejections, { ...chat, reason: 'limit' }),
    ).toBe(1);
    if (second.acquired) await second.lease.release();
    expect(await sampleValue(registry, names.concurrencyInFlight, chat)).toBe(0);
    stop();
  });

  it('never lets a release of a slot taken before the subscription push the gauge below 0', async () => {
    const metrics = createMetrics();
    const limiter = new FakeConcurrencyLimiter();
    instrumentConcurrency(metrics, limiter);
    limiter.emit('released', { key: 'user:1', heldMs: 10 });
    expect(
      await sampleValue(metrics.registry, metrics.names.concurrencyInFlight, {
        limiter: 'concurrency',
      }),
    ).toBeUndefined();
  });

  it('rejects a bad limiter or name', () => {
    const metrics = createMetrics();
    expect(() => instrumentConcurrency(metrics, {} as never)).toThrow(
      new TypeError('limiter must have on() and off()'),
    );
    expect(() =>
      instrumentConcurrency(metrics, new FakeConcurrencyLimiter(), { name: '' }),
    ).toThrow(new TypeError('name must be a non-empty string, got ""'));
  });
});
