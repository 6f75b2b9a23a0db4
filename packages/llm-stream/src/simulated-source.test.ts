import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError } from './__fixtures__/scripted-source.js';
import { createManagedStream } from './managed-stream.js';
import { createSimulatedSource, splitText } from './simulated-source.js';
import type { StreamChunkEvent, StreamEvent } from './stream-event.js';

/** Timers still pending once the clock's per-turn refresh (an immediate) has run. */
async function timersLeft(): Promise<number> {
  await vi.advanceTimersByTimeAsync(0);
  return vi.getTimerCount();
}

async function collect(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

const contents = (events: StreamEvent[]) =>
  events.filter((event): event is StreamChunkEvent => event.type === 'chunk').map((c) => c.content);

describe('simulated streaming', () => {
  it('cuts text into words, lines or N characters without losing or splitting anything', () => {
    expect(splitText('Hello  big world ', 'word')).toEqual(['Hello', '  big', ' world', ' ']);
    expect(splitText('a\nb\n\nc', 'line')).toEqual(['a\n', 'b\n', '\n', 'c']);
    expect(splitText('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitText('ab😀cd', 3).join('')).toBe('ab😀cd');
    expect(splitText('ab😀cd', 3)[0]).toBe('ab😀');
    expect(splitText('', 'word')).toEqual([]);
  });

  it('replays a cached reply with exact usage through the managed pipeline', async () => {
    const source = createSimulatedSource({
      model: 'gpt-cache',
      reply: { text: 'one two three', inputTokens: 4, outputTokens: 3, finishReason: 'stop' },
    });
    const events = await collect(createManagedStream(source, { buffer: false }));
    expect(contents(events)).toEqual(['one', ' two', ' three']);
    expect(events.at(-1)).toMatchObject({
      type: 'complete',
      provider: 'simulated',
      usage: { inputTokens: 4, outputTokens: 3, estimated: false },
      finishReason: 'stop',
    });
  });

  it('retries the non-streaming call that fetches the reply', async () => {
    let calls = 0;
    const source = createSimulatedSource({
      model: 'm',
      chunkSize: 4,
      reply: async () => {
        if (++calls === 1) throw apiError(503);
        return 'abcdefgh';
      },
    });
    const events = await collect(
      createManagedStream(source, { buffer: false, retry: { baseDelayMs: 0 } }),
    );
    expect(calls).toBe(2);
    expect(contents(events)).toEqual(['abcd', 'efgh']);
  });

  it('rejects a bad chunk size', () => {
    expect(() => createSimulatedSource({ model: 'm', reply: 'x', chunkSize: 0 })).toThrow(
      "chunkSize must be 'word', 'line' or an integer ≥ 1, got 0",
    );
  });

  describe('pace (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits chunkDelayMs between pieces and stops when cancelled', async () => {
      const source = createSimulatedSource({ model: 'm', reply: 'a b c d e', chunkDelayMs: 100 });
      const stream = createManagedStream(source, { buffer: false });
      const reading = collect(stream);
      await vi.advanceTimersByTimeAsync(150);
      expect(stream.info().chunkNumber).toBe(2);
      stream.cancel();
      const events = await reading;
      expect(contents(events)).toEqual(['a', ' b']);
      expect(events.at(-1)?.type).toBe('cancelled');
      expect(await timersLeft()).toBe(0);
    });
  });
});
