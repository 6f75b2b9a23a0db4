import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scriptedSource, words } from './__fixtures__/scripted-source.js';
import { createManagedStream, type ManagedStream } from './managed-stream.js';
import type { ProviderStreamSource } from './provider-event.js';
import type { StreamChunkEvent, StreamEvent } from './stream-event.js';

/** Timers still pending once the clock's per-turn refresh (an immediate) has run. */
async function timersLeft(): Promise<number> {
  await vi.advanceTimersByTimeAsync(0);
  return vi.getTimerCount();
}

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const chunks = (events: StreamEvent[]) =>
  events.filter((event): event is StreamChunkEvent => event.type === 'chunk');

describe('managed stream: event sequence', () => {
  it('yields start, one chunk per delta without buffering, then complete with provider usage', async () => {
    const source = scriptedSource([
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' world' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', inputTokens: 12, outputTokens: 2 },
    ]);
    const stream = createManagedStream(source, { buffer: false, id: 's1' });
    const events = await collect(stream);
    expect(events.map((event) => event.type)).toEqual(['start', 'chunk', 'chunk', 'complete']);
    expect(events[0]).toMatchObject({ streamId: 's1', model: 'script-1', provider: 'script' });
    expect(chunks(events).map((chunk) => chunk.content)).toEqual(['Hello', ' world']);
    expect(chunks(events).map((chunk) => chunk.chunkNumber)).toEqual([1, 2]);
    const complete = events[3]!;
    expect(complete).toMatchObject({
      type: 'complete',
      totalTokens: 2,
      usage: { inputTokens: 12, outputTokens: 2, estimated: false },
      finishReason: 'stop',
    });
    expect(stream.ended).toBe(true);
    await expect(stream.done).resolves.toBe(complete);
  });

  it('leaves the signal of a source that finished alone: there is no request left to abort', async () => {
    const source = scriptedSource(words(3));
    const stream = createManagedStream(source, { buffer: false });
    await expect(stream.consume(() => undefined)).resolves.toMatchObject({ type: 'complete' });
    expect(source.signal).toBeDefined();
    expect(source.signal?.aborted).toBe(false);
  });

  it('estimates usage when the provider reports none, and says so', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const source = scriptedSource([{ type: 'text', text }], { promptTokens: 10 });
    const events = await collect(createManagedStream(source, { buffer: false }));
    const complete = events.at(-1)!;
    expect(complete).toMatchObject({
      type: 'complete',
      usage: { inputTokens: 10, outputTokens: Math.ceil(text.length / 4), estimated: true },
      finishReason: 'stop',
      providerFinishReason: null,
    });
  });

  it('re-bases chunk totals on a cumulative provider count and completes with the provider count', async () => {
    const source = scriptedSource([
      ...words(6),
      // A cumulative count below the estimate (Anthropic, Gemini report one mid-stream) re-bases the total.
      { type: 'usage', inputTokens: 9, outputTokens: 3 },
      ...words(4),
      { type: 'usage', outputTokens: 8 },
    ]);
    const events = await collect(createManagedStream(source, { buffer: false }));
    const list = chunks(events);
    expect(list.map((chunk) => chunk.totalTokens)).toEqual([1, 2, 3, 4, 5, 6, 4, 5, 6, 7]);
    expect(list.every((chunk) => chunk.tokensInChunk >= 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: 'complete',
      totalTokens: 8,
      usage: { inputTokens: 9, outputTokens: 8, estimated: false },
    });
  });

  it('reports tokensPerSecond as null when all text arrived at one clock reading', async () => {
    const source = scriptedSource([...words(12), { type: 'usage', outputTokens: 12 }]);
    const events = await collect(createManagedStream(source, { buffer: false, clock: () => 5000 }));
    expect(events.at(-1)).toMatchObject({
      type: 'complete',
      totalTokens: 12,
      durationMs: 0,
      ttftMs: 0,
      tokensPerSecond: null,
    });
  });

  it('completes an empty response with zero tokens and no time to first token', async () => {
    const events = await collect(createManagedStream(scriptedSource([]), { buffer: false }));
    expect(events.map((event) => event.type)).toEqual(['start', 'complete']);
    expect(events[1]).toMatchObject({ totalTokens: 0, ttftMs: null, tokensPerSecond: 0 });
  });

  it('has a single reader', () => {
    const stream = createManagedStream(scriptedSource([]));
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
    stream.cancel();
  });

  it('does not touch the upstream until it is read', async () => {
    const source = scriptedSource(words(3));
    const stream = createManagedStream(source);
    await Promise.resolve();
    expect(source.opens).toBe(0);
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe('start');
    await stream.consume().catch(() => undefined);
    expect(source.opens).toBe(1);
  });

  it('validates options with precise messages', () => {
    const source = scriptedSource([]);
    expect(() => createManagedStream(source, { buffer: { tokens: 0 } })).toThrow(
      'buffer.tokens must be an integer ≥ 1, got 0',
    );
    expect(() =>
      createManagedStream(source, { buffer: { holdFirstToken: 'yes' as unknown as boolean } }),
    ).toThrow('buffer.holdFirstToken must be a boolean, got string');
    expect(() => createManagedStream(source, { buffer: { maxDelayMs: -1 } })).toThrow(
      'buffer.maxDelayMs must be a finite number ≥ 0, got -1',
    );
    expect(() => createManagedStream(source, { expectedTokens: 0 })).toThrow(
      'expectedTokens must be > 0, got 0',
    );
    expect(() => createManagedStream([], {})).toThrow(
      'sources must name at least one source, got 0',
    );
    expect(() => createManagedStream(source, { retry: { maxRetries: -1 } })).toThrow(
      'retry.maxRetries must be an integer ≥ 0, got -1',
    );
  });
});

describe('managed stream: token, progress and time arithmetic', () => {
  /** The percent as the chunk contract defines it: tenths of a percent of the basis, capped at 100. */
  const percentOf = (total: number, basis: number) =>
    Math.min(Math.round((total * 1000) / basis) / 10, 100);

  it('gives every chunk the rounded percent of its basis, never going back when a report lowers the count', async () => {
    for (const basis of [3, 7, 48, 333, 2.5, 1000 / 3, 12_345]) {
      const steps = [
        ...words(300),
        // A cumulative count well below the estimate re-bases the totals downwards.
        { type: 'usage' as const, outputTokens: 120 },
        ...words(300),
      ];
      const events = await collect(
        createManagedStream(scriptedSource(steps), { buffer: false, expectedTokens: basis }),
      );
      const list = chunks(events);
      expect(list).toHaveLength(600);
      // The report (120, then the words since) re-bases the total below the 300 estimated before
      // it; progress holds the highest percent reached until the total passes it again.
      expect(list[300]!.totalTokens).toBeLessThan(list[299]!.totalTokens);
      let highest = 0;
      for (const chunk of list) {
        highest = Math.max(highest, percentOf(chunk.totalTokens, basis));
        expect(chunk.progressPercent).toBe(highest);
      }
      expect(events.at(-1)).toMatchObject({ type: 'complete', totalTokens: 420 });
    }
  });

  it('sums a custom estimator’s fractional counts without float drift', async () => {
    const stream = createManagedStream(scriptedSource(words(10)), {
      buffer: false,
      estimateTokens: () => 0.3,
    });
    const events = await collect(stream);
    // 0.3 per delta: ceil(0.3), ceil(0.6), ... ceil(3.0), where the float sum is 3.0000000000000004.
    expect(chunks(events).map((chunk) => chunk.totalTokens)).toEqual([
      1, 1, 1, 2, 2, 2, 3, 3, 3, 3,
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'complete',
      usage: { outputTokens: 3, estimated: true },
    });
  });

  it('stamps each chunk with the clock reading at its delivery and the seconds since the start', async () => {
    const readings = [10_000, 10_250, 10_250, 11_000, 12_345, 12_345];
    let now = 10_000;
    const source: ProviderStreamSource = {
      provider: 'script',
      model: 'script-1',
      async open() {
        return (async function* () {
          for (const [index, reading] of readings.entries()) {
            now = reading;
            yield { type: 'text' as const, text: `w${index}` };
          }
        })();
      },
    };
    const events = await collect(createManagedStream(source, { buffer: false, clock: () => now }));
    const list = chunks(events);
    expect(list.map((chunk) => chunk.timestamp)).toEqual(readings);
    expect(list.map((chunk) => chunk.elapsedSeconds)).toEqual([0, 0.25, 0.25, 1, 2.345, 2.345]);
  });
});

describe('managed stream: consume(onEvent)', () => {
  it('calls back for every event in order and resolves with the end event', async () => {
    const stream = createManagedStream(scriptedSource(words(7)), { buffer: { tokens: 3 } });
    const seen: StreamEvent[] = [];
    const end = await stream.consume((event) => {
      seen.push(event);
    });
    expect(seen.map((event) => event.type)).toEqual([
      'start',
      'chunk',
      'chunk',
      'chunk',
      'complete',
    ]);
    expect(end).toBe(seen.at(-1));
  });

  it('cancels the stream and rejects when the callback throws', async () => {
    const source = scriptedSource(words(50));
    const stream = createManagedStream(source, { buffer: false });
    const failure = new Error('render failed');
    await expect(
      stream.consume((event) => {
        if (event.type === 'chunk') throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(stream.done).resolves.toMatchObject({
      type: 'cancelled',
      reason: 'consumer_stopped',
    });
    expect(source.signal?.aborted).toBe(true);
  });

  it('takes the single reader slot', async () => {
    const stream = createManagedStream(scriptedSource([]));
    const reading = stream.consume();
    await expect(stream.consume(() => undefined)).rejects.toThrow(
      'A managed stream has a single reader',
    );
    await reading;
  });
});

describe('managed stream: buffering and progress (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first token at once, then flushes every 5 tokens, and the rest at the end', async () => {
    const source = scriptedSource(words(12));
    const events = await collect(createManagedStream(source));
    const list = chunks(events);
    expect(list.map((chunk) => chunk.tokensInChunk)).toEqual([1, 5, 5, 1]);
    expect(list.map((chunk) => chunk.content).join('')).toBe(
      words(12)
        .map((event) => (event.type === 'text' ? event.text : ''))
        .join(''),
    );
    expect(await timersLeft()).toBe(0);
  });

  it('gathers the first token too with holdFirstToken', async () => {
    const source = scriptedSource(words(12));
    const events = await collect(createManagedStream(source, { buffer: { holdFirstToken: true } }));
    const list = chunks(events);
    expect(list.map((chunk) => chunk.tokensInChunk)).toEqual([5, 5, 2]);
    expect(list.map((chunk) => chunk.content).join('')).toBe(
      words(12)
        .map((event) => (event.type === 'text' ? event.text : ''))
        .join(''),
    );
    expect(await timersLeft()).toBe(0);
  });

  it('keeps flushing by size when provider counts run below the estimate, and ends on the provider count', async () => {
    // Gemini-like: every delta is followed by a cumulative count of half the estimate.
    const steps = words(12).flatMap((event, index) => [
      event,
      { type: 'usage' as const, outputTokens: Math.ceil((index + 1) / 2) },
    ]);
    const events = await collect(
      createManagedStream(scriptedSource(steps), { buffer: { holdFirstToken: true } }),
    );
    const list = chunks(events);
    expect(list.map((chunk) => chunk.content.length)).toEqual([20, 20, 8]);
    const complete = events.at(-1)!;
    expect(complete).toMatchObject({ type: 'complete', totalTokens: 6 });
    expect(list.at(-1)!.totalTokens).toBe(6);
    expect(await timersLeft()).toBe(0);
  });

  it('never holds the first token back: it leaves at 0 ms, later ones wait for maxDelayMs', async () => {
    const steps = words(4).flatMap((event) => [event, { wait: 30 }]);
    const stream = createManagedStream(scriptedSource(steps), {
      buffer: { tokens: 5, maxDelayMs: 50 },
    });
    const seen: Array<{ at: number; content: string }> = [];
    const reading = stream.consume((event) => {
      if (event.type === 'chunk') seen.push({ at: Date.now() - 1_000_000, content: event.content });
    });
    await vi.advanceTimersByTimeAsync(200);
    await reading;
    // Tokens at 0, 30, 60, 90 ms: the first at once, the next buffered from 30 ms until 80 ms.
    expect(seen).toEqual([
      { at: 0, content: 'w000' },
      { at: 80, content: ' w01 w02' },
      { at: 120, content: ' w03' },
    ]);
    expect(await timersLeft()).toBe(0);
  });

  it('flushes after maxDelayMs since the first buffered token when tokens trickle in', async () => {
    const steps = words(4).flatMap((event) => [event, { wait: 30 }]);
    const stream = createManagedStream(scriptedSource(steps), {
      buffer: { tokens: 5, maxDelayMs: 50, holdFirstToken: true },
    });
    const seen: Array<{ at: number; event: StreamEvent }> = [];
    const reading = (async () => {
      for await (const event of stream) seen.push({ at: Date.now() - 1_000_000, event });
    })();
    await vi.advanceTimersByTimeAsync(200);
    await reading;
    const list = seen.filter((entry) => entry.event.type === 'chunk');
    // Tokens at 0, 30, 60, 90 ms: the first flush is due 50 ms after the first token.
    expect(list[0]!.at).toBe(50);
    expect((list[0]!.event as StreamChunkEvent).content).toBe('w000 w01');
    expect((list[1]!.event as StreamChunkEvent).content).toBe(' w02 w03');
    expect(seen.at(-1)!.event.type).toBe('complete');
    expect(await timersLeft()).toBe(0);
  });

  it('flushes by time while read with consume(onEvent), and keeps pulling after a timed flush', async () => {
    const steps = words(6).flatMap((event) => [event, { wait: 30 }]);
    const stream = createManagedStream(scriptedSource(steps), {
      buffer: { tokens: 5, maxDelayMs: 50, holdFirstToken: true },
    });
    const contents: string[] = [];
    const reading = stream.consume((event) => {
      if (event.type === 'chunk') contents.push(event.content);
    });
    await vi.advanceTimersByTimeAsync(300);
    await expect(reading).resolves.toMatchObject({ type: 'complete' });
    expect(contents).toEqual(['w000 w01', ' w02 w03', ' w04 w05']);
  });

  it('reports elapsed time, time to first token, tokens per second and progress percent', async () => {
    const steps = [{ wait: 200 }, ...words(10).flatMap((event) => [event, { wait: 100 }])];
    const stream = createManagedStream(scriptedSource(steps, { maxTokens: 20 }), {
      buffer: false,
    });
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(450);
    const info = stream.info();
    expect(info).toMatchObject({ phase: 'streaming', ttftMs: 200, totalTokens: 3 });
    expect(info.elapsedSeconds).toBeCloseTo(0.45);
    expect(info.progressPercent).toBe(15);
    await vi.advanceTimersByTimeAsync(1000);
    const events = await reading;
    const list = chunks(events);
    expect(list.map((chunk) => chunk.progressPercent)).toEqual(
      Array.from({ length: 10 }, (_, index) => (index + 1) * 5),
    );
    expect(list[0]).toMatchObject({ elapsedSeconds: 0.2, timestamp: 1_000_200 });
    expect(events.at(-1)).toMatchObject({
      type: 'complete',
      ttftMs: 200,
      durationMs: 1200,
      // 10 tokens over the second after the first token.
      tokensPerSecond: 10,
    });
  });

  it('uses expectedTokens over the source maxTokens for progress', async () => {
    const events = await collect(
      createManagedStream(scriptedSource(words(4), { maxTokens: 100 }), {
        buffer: false,
        expectedTokens: 8,
      }),
    );
    expect(chunks(events).map((chunk) => chunk.progressPercent)).toEqual([12.5, 25, 37.5, 50]);
  });

  it('reports null progress without a basis', async () => {
    const events = await collect(createManagedStream(scriptedSource(words(2)), { buffer: false }));
    expect(chunks(events)[0]!.progressPercent).toBeNull();
  });

  it('clears its flush timer when cancelled while a buffer waits', async () => {
    const stream = createManagedStream(scriptedSource([...words(2), { wait: 10_000 }]), {
      buffer: { holdFirstToken: true },
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await vi.advanceTimersByTimeAsync(10);
    // The flush timer, the upstream's own wait and the stream's time-limit watchdog.
    expect(await timersLeft()).toBe(3);
    stream.cancel('test');
    const flushed = await pending;
    expect(flushed.value).toMatchObject({ type: 'chunk', content: 'w000 w01' });
    expect((await iterator.next()).value).toMatchObject({ type: 'cancelled', reason: 'test' });
    expect((await iterator.next()).done).toBe(true);
    expect(await timersLeft()).toBe(0);
  });
});

describe('managed stream: cancellation and usage on abort', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends with cancelled when its signal aborts, aborting the upstream request', async () => {
    const controller = new AbortController();
    const source = scriptedSource(words(10).flatMap((event) => [event, { wait: 100 }]));
    const stream = createManagedStream(source, { signal: controller.signal, buffer: false });
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(250);
    controller.abort();
    const events = await reading;
    expect(events.at(-1)).toMatchObject({ type: 'cancelled', reason: 'aborted' });
    expect(events.filter((event) => event.type === 'cancelled')).toHaveLength(1);
    expect(source.signal?.aborted).toBe(true);
    expect(await timersLeft()).toBe(0);
  });

  it('is cancelled at once by an already aborted signal, without opening the upstream', async () => {
    const source = scriptedSource(words(3));
    const stream = createManagedStream(source, { signal: AbortSignal.abort() });
    const events = await collect(stream);
    expect(events.map((event) => event.type)).toEqual(['start', 'cancelled']);
    expect(source.opens).toBe(0);
  });

  it('reports the last cumulative provider count plus an estimate of the rest on cancel', async () => {
    // Gemini-style cumulative usage: 40 tokens reported, then three more one-token deltas.
    const source = scriptedSource([
      { type: 'text', text: 'a long first part' },
      { type: 'usage', inputTokens: 7, outputTokens: 40 },
      ...words(3),
      { wait: 1000 },
    ]);
    const stream = createManagedStream(source, { buffer: false });
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(10);
    expect(stream.cancel('user')).toBe(true);
    expect(stream.cancel('again')).toBe(false);
    const events = await reading;
    expect(events.at(-1)).toMatchObject({
      type: 'cancelled',
      reason: 'user',
      usage: { inputTokens: 7, outputTokens: 43, estimated: true },
    });
  });

  it('cancels with consumer_stopped when the reader breaks out of the loop', async () => {
    const source = scriptedSource(words(10).flatMap((event) => [event, { wait: 10 }]));
    const stream = createManagedStream(source, { buffer: false });
    const reading = (async () => {
      for await (const event of stream) if (event.type === 'chunk') break;
    })();
    await vi.advanceTimersByTimeAsync(50);
    await reading;
    await expect(stream.done).resolves.toMatchObject({
      type: 'cancelled',
      reason: 'consumer_stopped',
    });
    expect(source.signal?.aborted).toBe(true);
  });

  it('ends a stream that failed after the first token with an explicit error and usage', async () => {
    const source = scriptedSource([
      ...words(3),
      { type: 'usage', outputTokens: 3 },
      { type: 'text', text: ' more' },
      { fail: Object.assign(new Error('overloaded'), { status: 529 }) },
    ]);
    const events = await collect(
      createManagedStream(source, { buffer: { tokens: 50, holdFirstToken: true } }),
    );
    expect(events.map((event) => event.type)).toEqual(['start', 'chunk', 'error']);
    expect((events[1] as StreamChunkEvent).content).toBe('w000 w01 w02 more');
    expect(events[2]).toMatchObject({
      code: 'STREAM_INTERRUPTED',
      retryable: true,
      status: 529,
      usage: { outputTokens: 5, estimated: true },
    });
    expect(source.opens).toBe(1);
  });
});
