import EventEmitter from 'eventemitter3';
import { describe, expect, it, vi } from 'vitest';
import { sampleValue } from './__fixtures__/read-metric.js';
import { createMetrics } from './create-metrics.js';
import { instrumentCache } from './instrument-cache.js';

/** A response cache shaped like the gateway's: eventemitter3 events plus `size`. */
class FakeCache extends EventEmitter<{
  hit: (event: { key: string }) => void;
  miss: (event: { key: string }) => void;
  set: (event: { key: string }) => void;
  evict: (event: { key: string }) => void;
}> {
  readonly entries = new Map<string, string>();

  get size() {
    return this.entries.size;
  }

  lookup(key: string) {
    const value = this.entries.get(key);
    this.emit(value === undefined ? 'miss' : 'hit', { key });
    return value;
  }

  store(key: string, value: string) {
    this.entries.set(key, value);
    this.emit('set', { key });
  }
}

describe('instrumentCache', () => {
  it('counts hits, misses, sets and evictions, and reads the key count at scrape time', async () => {
    const metrics = createMetrics();
    const cache = new FakeCache();
    const stop = instrumentCache(metrics, cache);
    cache.lookup('a');
    cache.store('a', '1');
    cache.store('b', '2');
    cache.lookup('a');
    cache.lookup('a');
    cache.entries.delete('b');
    cache.emit('evict', { key: 'b' });

    const { registry, names } = metrics;
    const labels = { cache: 'response' };
    expect(await sampleValue(registry, names.cacheHits, labels)).toBe(2);
    expect(await sampleValue(registry, names.cacheMisses, labels)).toBe(1);
    expect(await sampleValue(registry, names.cacheSets, labels)).toBe(2);
    expect(await sampleValue(registry, names.cacheEvictions, labels)).toBe(1);
    expect(await sampleValue(registry, names.cacheKeys, labels)).toBe(1);
    cache.store('c', '3');
    expect(await sampleValue(registry, names.cacheKeys, labels)).toBe(2);

    stop();
    for (const event of ['hit', 'miss', 'set', 'evict'] as const) {
      expect(cache.listenerCount(event)).toBe(0);
    }
    cache.lookup('a');
    expect(await sampleValue(registry, names.cacheHits, labels)).toBe(2);
    expect(await sampleValue(registry, names.cacheKeys, labels)).toBeUndefined();
  });

  it('accepts Metrics made by another copy of the package', async () => {
    const metrics = createMetrics();
    vi.resetModules();
    const copy = (await import('./instrument-cache.js')) as typeof import('./instrument-cache.js');
    expect(copy.instrumentCache).not.toBe(instrumentCache);
    const cache = new FakeCache();
    const stop = copy.instrumentCache(metrics, cache);
    cache.lookup('a');
    expect(
      await sampleValue(metrics.registry, metrics.names.cacheMisses, { cache: 'response' }),
    ).toBe(1);
    stop();
    expect(cache.listenerCount('miss')).toBe(0);
  });

  it('names each cache in its own series', async () => {
    const metrics = createMetrics();
    const semantic = new FakeCache();
    instrumentCache(metrics, semantic, { name: 'semantic' });
    semantic.lookup('x');
    expect(
      await sampleValue(metrics.registry, metrics.names.cacheMisses, { cache: 'semantic' }),
    ).toBe(1);
    expect(() => instrumentCache(metrics, semantic, { name: '' })).toThrow(TypeError);
  });
});
