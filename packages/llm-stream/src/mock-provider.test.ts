import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createManagedStream } from './managed-stream.js';
import { createMockProvider } from './mock-provider.js';
import { isMockProviderError, MockProviderError } from './mock-provider-error.js';
import type { ProviderEvent } from './provider-event.js';
import { describeUpstreamFailure } from './upstream-failure.js';

async function read<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

const text = (events: ProviderEvent[]) =>
  events.map((event) => (event.type === 'text' ? event.text : '')).join('');

describe('mock provider', () => {
  it('replies with deterministic text for a seed and prompt, and reports usage like OpenAI', async () => {
    const signal = new AbortController().signal;
    const first = await read(
      await createMockProvider({ seed: 7 }).source({ prompt: 'hi' }).open(signal),
    );
    const again = await read(
      await createMockProvider({ seed: 7 }).source({ prompt: 'hi' }).open(signal),
    );
    const other = await read(
      await createMockProvider({ seed: 8 }).source({ prompt: 'hi' }).open(signal),
    );
    expect(text(first)).toBe(text(again));
    expect(text(first)).not.toBe(text(other));
    expect(first.filter((event) => event.type === 'text')).toHaveLength(64);
    expect(first.slice(-2)).toEqual([
      { type: 'finish', reason: 'stop' },
      { type: 'usage', inputTokens: 1, outputTokens: 64 },
    ]);
  });

  it('stops at maxTokens with finish reason length, and can report cumulative usage', async () => {
    const mock = createMockProvider({ text: 'one two three four five', usage: 'cumulative' });
    const events = await read(
      await mock.source({ maxTokens: 3 }).open(new AbortController().signal),
    );
    expect(text(events)).toBe('one two three');
    expect(events.filter((event) => event.type === 'usage').map((event) => event)).toEqual([
      { type: 'usage', inputTokens: 0, outputTokens: 1 },
      { type: 'usage', inputTokens: 0, outputTokens: 2 },
      { type: 'usage', inputTokens: 0, outputTokens: 3 },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('answers 429 with Retry-After, shaped like an SDK error', async () => {
    const mock = createMockProvider({ rateLimitRate: 1, retryAfterMs: 2500 });
    const error = await mock
      .source()
      .open(new AbortController().signal)
      .catch((caught: unknown) => caught);
    expect(isMockProviderError(error)).toBe(true);
    expect(error).toBeInstanceOf(MockProviderError);
    expect(error).toMatchObject({
      status: 429,
      code: 'mock_rate_limited',
      headers: { 'retry-after': '3', 'retry-after-ms': '2500' },
    });
    expect(describeUpstreamFailure(error)).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 2500,
    });
  });

  it('fails a seeded share of requests, the same ones on every run', async () => {
    const outcomes = async () => {
      const mock = createMockProvider({ failureRate: 0.3, seed: 3 });
      const results: string[] = [];
      for (let index = 0; index < 200; index++) {
        results.push(
          await mock
            .source()
            .open(new AbortController().signal)
            .then(
              () => 'ok',
              (error: MockProviderError) => String(error.status),
            ),
        );
      }
      return results;
    };
    const first = await outcomes();
    expect(first).toEqual(await outcomes());
    const failures = first.filter((outcome) => outcome === '503').length;
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
  });

  it('fails mid-stream halfway through the reply', async () => {
    const mock = createMockProvider({ midStreamFailureRate: 1, outputTokens: 10 });
    const events = await read(createManagedStream(mock.source(), { buffer: false }));
    expect(events.filter((event) => event.type === 'chunk')).toHaveLength(5);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'STREAM_INTERRUPTED', status: 529 });
    expect(mock.stats).toMatchObject({ opened: 1, failed: 1, completed: 0 });
  });

  it('validates its options', () => {
    expect(() => createMockProvider({ failureRate: 2 })).toThrow(
      'failureRate must be between 0 and 1, got 2',
    );
    expect(() => createMockProvider({ ttftMs: -1 })).toThrow(
      'ttftMs must be a finite number ≥ 0, got -1',
    );
    expect(() => createMockProvider({ outputTokens: 1.5 })).toThrow(
      'outputTokens must be an integer ≥ 0, got 1.5',
    );
  });

  describe('timing (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('takes latencyMs to accept, ttftMs to the first token, then paces tokensPerSecond', async () => {
      const mock = createMockProvider({
        latencyMs: 100,
        ttftMs: 200,
        tokensPerSecond: 20,
        outputTokens: 5,
      });
      const stream = createManagedStream(mock.source(), { buffer: false });
      const reading = read(stream);
      await vi.advanceTimersByTimeAsync(299);
      expect(stream.info().chunkNumber).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(stream.info()).toMatchObject({ chunkNumber: 1, ttftMs: 300 });
      await vi.advanceTimersByTimeAsync(200);
      const events = await reading;
      expect(events.at(-1)).toMatchObject({
        type: 'complete',
        durationMs: 500,
        tokensPerSecond: 25,
      });
    });

    it('closes the upstream on abort even before the reply is read', async () => {
      const mock = createMockProvider({ ttftMs: 1000 });
      const controller = new AbortController();
      await mock.source().open(controller.signal);
      expect(mock.openStreams).toBe(1);
      controller.abort();
      expect(mock.openStreams).toBe(0);
      expect(mock.stats.aborted).toBe(1);
    });

    it('serves the whole reply without streaming after latencyMs + ttftMs', async () => {
      const mock = createMockProvider({ latencyMs: 50, ttftMs: 50, text: 'a b c' });
      const result = mock.complete({ prompt: 'abcdefgh' });
      await vi.advanceTimersByTimeAsync(100);
      await expect(result).resolves.toEqual({
        text: 'a b c',
        inputTokens: 2,
        outputTokens: 3,
        finishReason: 'stop',
      });
    });
  });
});
