import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scriptedSource, words } from './__fixtures__/scripted-source.js';
import { createMockProvider } from './mock-provider.js';
import type { StreamEndEvent, StreamEvent } from './stream-event.js';
import { createStreamManager } from './stream-manager.js';

describe('stream manager: registry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists live streams with their progress, gets one, and forgets it the moment it ends', async () => {
    let next = 0;
    const manager = createStreamManager({ buffer: false, generateId: () => `s${++next}` });
    const mock = createMockProvider({ ttftMs: 100, tokensPerSecond: 10, outputTokens: 20 });
    const first = manager.stream(mock.source({ maxTokens: 40 }), { metadata: { user: 'u1' } });
    const second = manager.stream(mock.source());
    expect(manager.active().map((info) => info.streamId)).toEqual(['s1', 's2']);
    expect(manager.list()).toEqual(manager.active());
    const reading = first.consume();
    await vi.advanceTimersByTimeAsync(600);
    expect(manager.get('s1')).toMatchObject({
      streamId: 's1',
      model: 'mock-1',
      provider: 'mock',
      phase: 'streaming',
      attempts: 1,
      startedAt: 5_000,
      elapsedSeconds: 0.6,
      chunkNumber: 6,
      ttftMs: 100,
      metadata: { user: 'u1' },
    });
    expect(manager.get('s1')!.progressPercent).toBe(manager.get('s1')!.totalTokens * 2.5);
    expect(manager.get('s2')).toMatchObject({ phase: 'connecting', attempts: 0, chunkNumber: 0 });
    await vi.advanceTimersByTimeAsync(2000);
    await reading;
    expect(manager.get('s1')).toBeUndefined();
    expect(manager.size).toBe(1);
    second.cancel();
    expect(manager.size).toBe(0);
  });

  it('cancels a stream by id: the reader sees cancelled and the upstream request closes', async () => {
    const manager = createStreamManager({ buffer: false });
    const mock = createMockProvider({ tokensPerSecond: 100, outputTokens: 1000 });
    const stream = manager.stream(mock.source());
    const seen: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    await vi.advanceTimersByTimeAsync(95);
    expect(mock.openStreams).toBe(1);
    expect(manager.cancel(stream.id, 'admin')).toBe(true);
    expect(manager.cancel(stream.id)).toBe(false);
    expect(manager.cancel('unknown')).toBe(false);
    expect(mock.openStreams).toBe(0);
    expect(manager.size).toBe(0);
    await reading;
    expect(seen.at(-1)).toMatchObject({ type: 'cancelled', reason: 'admin' });
    expect(mock.stats).toMatchObject({ opened: 1, aborted: 1, completed: 0 });
  });

  it('emits every event with streamId, model and provider, and exactly one end per stream', async () => {
    const manager = createStreamManager({ buffer: false });
    const received: StreamEvent[] = [];
    for (const type of ['start', 'chunk', 'complete', 'error', 'cancelled'] as const) {
      manager.on(type, (event: StreamEvent) => received.push(event));
    }
    await manager
      .stream(scriptedSource(words(2), { model: 'm', provider: 'p' }), { id: 'a' })
      .consume();
    await manager
      .stream(
        scriptedSource([...words(1), { fail: new Error('x') }], { model: 'm', provider: 'p' }),
        {
          id: 'b',
        },
      )
      .consume();
    manager.stream(scriptedSource(words(1), { model: 'm', provider: 'p' }), { id: 'c' }).cancel();
    for (const event of received) {
      expect(event).toMatchObject({ model: 'm', provider: 'p' });
      expect(['a', 'b', 'c']).toContain(event.streamId);
    }
    const ends = received.filter((event) =>
      ['complete', 'error', 'cancelled'].includes(event.type),
    );
    expect(ends.map((event) => [event.streamId, event.type])).toEqual([
      ['a', 'complete'],
      ['b', 'error'],
      ['c', 'cancelled'],
    ]);
    expect(received.filter((event) => event.type === 'start')).toHaveLength(3);
  });

  it('refuses a duplicate live id and cancels everything on shutdown', () => {
    const manager = createStreamManager();
    manager.stream(scriptedSource([]), { id: 'x' });
    manager.stream(scriptedSource([]), { id: 'y' });
    expect(() => manager.stream(scriptedSource([]), { id: 'x' })).toThrow(
      'a live stream already has the id x',
    );
    expect(manager.cancelAll()).toBe(2);
    expect(manager.size).toBe(0);
  });

  it('off() removes a listener', async () => {
    const manager = createStreamManager();
    const listener = vi.fn();
    manager.on('start', listener).off('start', listener);
    manager.stream(scriptedSource([])).cancel();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('stream manager: 100,000 streams', () => {
  beforeEach(() => {
    // No real timers: flush timers are fake, and are cleared when each stream ends.
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaks nothing with random cancels: registry empty, upstreams closed, heap bounded', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const manager = createStreamManager({ buffer: { tokens: 2, maxDelayMs: 5 } });
    const mock = createMockProvider({ outputTokens: 6, usage: 'cumulative' });
    const ends = new Map<StreamEndEvent['type'], number>();
    let starts = 0;
    manager.on('start', () => starts++);
    const countEnd = (event: StreamEndEvent) =>
      ends.set(event.type, (ends.get(event.type) ?? 0) + 1);
    manager.on('complete', countEnd).on('cancelled', countEnd).on('error', countEnd);

    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const runOne = async () => {
      const roll = random();
      const controller = roll >= 0.1 && roll < 0.2 ? new AbortController() : undefined;
      const stream = manager.stream(
        mock.source({ prompt: 'hi' }),
        controller === undefined ? {} : { signal: controller.signal },
      );
      if (roll < 0.1) {
        stream.cancel('before reading');
        await stream.consume();
        return;
      }
      const stopAfter = roll < 0.4 ? Math.floor(random() * 3) + 1 : Number.POSITIVE_INFINITY;
      let chunks = 0;
      for await (const event of stream) {
        if (event.type !== 'chunk' || ++chunks < stopAfter) continue;
        if (controller !== undefined) controller.abort();
        else if (roll < 0.3) manager.cancel(stream.id, 'registry');
        else break;
      }
    };
    const batch = async (count: number) => {
      const running: Promise<void>[] = [];
      for (let index = 0; index < count; index++) running.push(runOne());
      await Promise.all(running);
    };

    for (let round = 0; round < 20; round++) await batch(500);
    gc();
    const baseline = process.memoryUsage().heapUsed;
    for (let round = 0; round < 180; round++) await batch(500);
    gc();
    const grown = process.memoryUsage().heapUsed - baseline;

    expect(starts).toBe(100_000);
    expect([...ends.values()].reduce((sum, count) => sum + count, 0)).toBe(100_000);
    expect(ends.get('cancelled')).toBeGreaterThan(25_000);
    expect(ends.get('complete')).toBeGreaterThan(50_000);
    expect(manager.size).toBe(0);
    expect(manager.active()).toEqual([]);
    expect(mock.openStreams).toBe(0);
    expect(mock.stats.opened).toBe(mock.stats.completed + mock.stats.aborted);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1); // at most the clock's per-turn refresh
    // 90,000 more streams after the baseline must not have kept their memory.
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
