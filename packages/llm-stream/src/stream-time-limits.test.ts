import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, scriptedSource, words } from './__fixtures__/scripted-source.js';
import type { ManagedStream } from './managed-stream.js';
import type { StreamAttemptFailedEvent, StreamEvent } from './stream-event.js';
import type { GuardPermit, PermitGuard } from './stream-guard.js';
import { createStreamManager } from './stream-manager.js';

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** A permit guard that records how each permit was settled. */
function recordingGuard() {
  const settled: string[] = [];
  const guard: PermitGuard = {
    tryAcquire(): GuardPermit {
      return {
        ok: true,
        success: () => settled.push('success'),
        failure: (error) => settled.push(`failure:${(error as { code?: string }).code}`),
        release: () => settled.push('release'),
      };
    },
  };
  return { guard, settled };
}

describe('time limits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails over when the first source sends no content within firstTokenTimeoutMs', async () => {
    const manager = createStreamManager({ buffer: false, firstTokenTimeoutMs: 5_000 });
    const failed: StreamAttemptFailedEvent[] = [];
    manager.on('attempt_failed', (event) => failed.push(event));
    const { guard, settled } = recordingGuard();
    // Accepted, then silent: a usage event is not content and does not stop the timer.
    const hanging = scriptedSource(
      [{ type: 'usage', inputTokens: 7 }, { wait: 600_000 }, ...words(1)],
      { model: 'hangs' },
    );
    const backup = scriptedSource(words(2), { model: 'backup' });
    const reading = collect(manager.stream([{ source: hanging, guard }, backup]));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(backup.opens).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    const events = await reading;
    expect(events.at(-1)).toMatchObject({ type: 'complete', model: 'backup' });
    expect(failed).toMatchObject([
      { model: 'hangs', attempt: 1, code: 'FIRST_TOKEN_TIMEOUT', next: 'failover' },
    ]);
    // The hang counts against the source's breaker, and its request was aborted.
    expect(settled).toEqual(['failure:FIRST_TOKEN_TIMEOUT']);
    expect(hanging.signal?.aborted).toBe(true);
    expect(hanging.opens).toBe(1);
  });

  it('times out an open() that never resolves (no response headers) the same way', async () => {
    const manager = createStreamManager({ buffer: false, firstTokenTimeoutMs: 1_000 });
    let openSignal: AbortSignal | undefined;
    const silent = {
      provider: 'p',
      model: 'silent',
      open: (signal: AbortSignal) =>
        new Promise<never>((_resolve, reject) => {
          openSignal = signal;
          signal.addEventListener('abort', () => reject(new Error('aborted by the caller')));
        }),
    };
    const reading = collect(manager.stream(silent));
    await vi.advanceTimersByTimeAsync(1_000);
    const end = (await reading).at(-1)!;
    expect(openSignal?.aborted).toBe(true);
    expect(end).toMatchObject({ type: 'error', code: 'FIRST_TOKEN_TIMEOUT', retryable: true });
  });

  it('ends with IDLE_TIMEOUT and the usage so far when the upstream stalls after text', async () => {
    const manager = createStreamManager({ buffer: false, idleTimeoutMs: 2_000 });
    const failed: StreamAttemptFailedEvent[] = [];
    manager.on('attempt_failed', (event) => failed.push(event));
    const { guard, settled } = recordingGuard();
    const source = scriptedSource(
      [{ type: 'usage', inputTokens: 12 }, ...words(3), { wait: 600_000 }, ...words(1)],
      { model: 'stalls' },
    );
    const backup = scriptedSource(words(1), { model: 'backup' });
    const reading = collect(manager.stream([{ source, guard }, backup]));
    // Checked every quarter of the limit: it fires between 2 s and 2.5 s after the last text.
    await vi.advanceTimersByTimeAsync(1_999);
    expect(manager.size).toBe(1);
    await vi.advanceTimersByTimeAsync(501);
    const events = await reading;
    expect(events.filter((event) => event.type === 'chunk')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'IDLE_TIMEOUT',
      model: 'stalls',
      usage: { inputTokens: 12, outputTokens: 3, estimated: true },
    });
    // After text, nothing fails over: the reader already has part of this answer.
    expect(backup.opens).toBe(0);
    expect(failed).toMatchObject([{ code: 'IDLE_TIMEOUT', next: 'none' }]);
    expect(settled).toEqual(['failure:IDLE_TIMEOUT']);
    expect(source.signal?.aborted).toBe(true);
  });

  it('does not count time the reader spends not reading as idle', async () => {
    const manager = createStreamManager({ buffer: false, idleTimeoutMs: 1_000 });
    const stream = manager.stream(scriptedSource(words(3)));
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect((await iterator.next()).value).toMatchObject({ type: 'chunk' });
    // The reader pauses for a minute: the upstream is not asked, so it is not idle.
    await vi.advanceTimersByTimeAsync(60_000);
    const rest: string[] = [];
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      rest.push(result.value.type);
    }
    expect(rest).toEqual(['chunk', 'chunk', 'complete']);
  });

  it('does not start a retry whose wait would end past the deadline', async () => {
    const manager = createStreamManager({
      buffer: false,
      deadlineMs: 3_000,
      retry: { maxRetries: 10 },
    });
    const failing = scriptedSource(words(1), {
      openFailures: Array.from({ length: 20 }, () => apiError(503, { 'retry-after': '2' })),
    });
    const reading = collect(manager.stream(failing));
    await vi.advanceTimersByTimeAsync(2_000);
    // The second attempt failed at 2 s; another 2 s wait would end past the 3 s deadline.
    const end = (await reading).at(-1)!;
    expect(end).toMatchObject({ type: 'error', code: 'UPSTREAM_ERROR', status: 503 });
    expect(failing.opens).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends with DEADLINE_EXCEEDED when no content arrives before deadlineMs', async () => {
    const manager = createStreamManager({
      buffer: false,
      deadlineMs: 3_000,
      firstTokenTimeoutMs: false,
    });
    const failed: StreamAttemptFailedEvent[] = [];
    manager.on('attempt_failed', (event) => failed.push(event));
    const hanging = scriptedSource([{ wait: 600_000 }, ...words(1)]);
    const reading = collect(manager.stream(hanging));
    await vi.advanceTimersByTimeAsync(3_000);
    expect((await reading).at(-1)).toMatchObject({
      type: 'error',
      code: 'DEADLINE_EXCEEDED',
      usage: { outputTokens: 0, estimated: true },
    });
    expect(failed).toMatchObject([{ code: 'DEADLINE_EXCEEDED', next: 'none' }]);
    expect(hanging.signal?.aborted).toBe(true);
  });

  it('ends a long stream with DEADLINE_EXCEEDED and its usage so far', async () => {
    const manager = createStreamManager({ buffer: false, deadlineMs: 10_000 });
    const steps = Array.from({ length: 20 }, (_, index) => [
      ...words(1).map((word) => ({ ...word, text: ` w${index}` })),
      { wait: 1_000 },
    ]).flat();
    const reading = collect(manager.stream(scriptedSource(steps)));
    await vi.advanceTimersByTimeAsync(10_000);
    const events = await reading;
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'DEADLINE_EXCEEDED',
      usage: { estimated: true },
    });
    expect(events.filter((event) => event.type === 'chunk').length).toBeGreaterThanOrEqual(9);
  });

  it('validates the limits with precise messages', () => {
    expect(() => createStreamManager({ firstTokenTimeoutMs: 0 })).toThrow(
      new RangeError('firstTokenTimeoutMs must be a finite number > 0 or false, got 0'),
    );
    expect(() => createStreamManager({ idleTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() =>
      createStreamManager({ deadlineMs: false, idleTimeoutMs: false, firstTokenTimeoutMs: false }),
    ).not.toThrow();
  });
});
