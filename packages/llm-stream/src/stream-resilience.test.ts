import { createCircuitBreaker } from '@breakwater/circuit-breaker';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, scriptedSource, words } from './__fixtures__/scripted-source.js';
import { ProviderError } from './adapters/provider-error.js';
import type { ManagedStream } from './managed-stream.js';
import type { StreamEvent, StreamFailoverEvent, StreamRetryEvent } from './stream-event.js';
import type { ExecuteGuard, GuardPermit, GuardRejection, PermitGuard } from './stream-guard.js';
import { createStreamManager } from './stream-manager.js';

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

/** A guard with the circuit breaker's permit shape that records how each permit was settled. */
function recordingGuard(reject = false) {
  const settled: string[] = [];
  let issued = 0;
  const guard: PermitGuard = {
    tryAcquire(): GuardPermit | GuardRejection {
      if (reject) {
        return {
          ok: false,
          error: Object.assign(new Error('circuit open'), { code: 'CIRCUIT_OPEN' }),
          retryAfterMs: 30_000,
        };
      }
      issued++;
      let done = false;
      const settle = (outcome: string) => {
        if (done) throw new Error('permit settled twice');
        done = true;
        settled.push(outcome);
      };
      return {
        ok: true,
        success: () => settle('success'),
        failure: (error) => settle(`failure:${(error as Error).message}`),
        release: () => settle('release'),
      };
    },
  };
  return {
    guard,
    settled,
    get issued() {
      return issued;
    },
  };
}

describe('resilience before the first token', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries with exponential backoff and full jitter', async () => {
    const manager = createStreamManager({ random: () => 0.5, buffer: false });
    const retries: StreamRetryEvent[] = [];
    manager.on('retry', (event) => retries.push(event));
    const source = scriptedSource(words(2), { openFailures: [apiError(503), apiError(502)] });
    const reading = collect(manager.stream(source));
    await vi.advanceTimersByTimeAsync(0);
    expect(source.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(124);
    expect(source.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // half of 250 ms
    expect(source.opens).toBe(2);
    await vi.advanceTimersByTimeAsync(250); // half of 500 ms
    expect(source.opens).toBe(3);
    const events = await reading;
    expect(events.map((event) => event.type)).toEqual(['start', 'chunk', 'chunk', 'complete']);
    expect(retries.map((event) => [event.attempt, event.delayMs, event.code])).toEqual([
      [2, 125, 'UPSTREAM_ERROR'],
      [3, 250, 'UPSTREAM_ERROR'],
    ]);
    expect(manager.size).toBe(0);
  });

  it.each([
    ['retry-after-ms header', apiError(429, { 'retry-after-ms': '1500' })],
    ['retry-after seconds header', apiError(429, { 'retry-after': '1.5' })],
    ['retryAfterMs property', Object.assign(apiError(429), { retryAfterMs: 1500 })],
    [
      'Headers object',
      Object.assign(apiError(429), { headers: new Headers({ 'retry-after-ms': '1500' }) }),
    ],
  ])('honours Retry-After from a %s', async (_name, error) => {
    const manager = createStreamManager({ random: () => 0, buffer: false });
    const source = scriptedSource(words(1), { openFailures: [error] });
    const reading = collect(manager.stream(source));
    await vi.advanceTimersByTimeAsync(1499);
    expect(source.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.opens).toBe(2);
    expect((await reading).at(-1)?.type).toBe('complete');
  });

  it('ends with RATE_LIMITED and the retry-after when 429s outlast the retries', async () => {
    const manager = createStreamManager({ random: () => 0, retry: { maxRetries: 1 } });
    const source = scriptedSource(words(1), {
      openFailures: [apiError(429, { 'retry-after': '2' }), apiError(429, { 'retry-after': '2' })],
    });
    const reading = collect(manager.stream(source));
    await vi.advanceTimersByTimeAsync(2000);
    const end = (await reading).at(-1)!;
    expect(end).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      retryable: true,
      status: 429,
      retryAfterMs: 2000,
    });
    expect(end.type === 'error' && end.error.attempts).toBe(2);
    expect(source.opens).toBe(2);
  });

  it('fails over at once when Retry-After exceeds maxRetryAfterMs', async () => {
    const manager = createStreamManager({ buffer: false, retry: { maxRetryAfterMs: 5000 } });
    const failovers: StreamFailoverEvent[] = [];
    manager.on('failover', (event) => failovers.push(event));
    const primary = scriptedSource(words(1), {
      model: 'big',
      provider: 'openai',
      openFailures: [apiError(429, { 'retry-after': '600' })],
    });
    const secondary = scriptedSource(words(2), { model: 'small', provider: 'anthropic' });
    const events = await collect(manager.stream([primary, secondary]));
    expect(primary.opens).toBe(1);
    expect(failovers).toMatchObject([
      {
        fromModel: 'big',
        fromProvider: 'openai',
        model: 'small',
        provider: 'anthropic',
        code: 'RATE_LIMITED',
      },
    ]);
    expect(events[0]).toMatchObject({ type: 'start', model: 'big' });
    expect(events.slice(1).map((event) => [event.type, event.model])).toEqual([
      ['chunk', 'small'],
      ['chunk', 'small'],
      ['complete', 'small'],
    ]);
  });

  it.each([
    ['400 invalid request', apiError(400)],
    ['401 authentication', apiError(401)],
    ['403 permission', apiError(403)],
    ['404 not found', apiError(404)],
    [
      'content policy',
      new ProviderError({ code: 'content_filter', message: 'blocked', provider: 'gemini' }),
    ],
    [
      'context length',
      new ProviderError({
        code: 'invalid_request',
        message: 'too long',
        status: 400,
        providerCode: 'context_length_exceeded',
      }),
    ],
    ['an error without status that is not a connection failure', new Error('bug')],
  ])('neither retries nor fails over on a caller error: %s', async (name, error) => {
    const manager = createStreamManager({ buffer: false });
    const events: string[] = [];
    manager.on('retry', () => events.push('retry')).on('failover', () => events.push('failover'));
    const first = scriptedSource(words(1), { openFailures: [error] });
    const second = scriptedSource(words(1));
    const end = (await collect(manager.stream([first, second]))).at(-1)!;
    expect([first.opens, second.opens, events]).toEqual([1, 0, []]);
    const code = name.startsWith('an error without status') ? 'UPSTREAM_ERROR' : 'INVALID_REQUEST';
    expect(end).toMatchObject({ type: 'error', code, retryable: false });
    expect(end.type === 'error' && end.error.cause).toBe(error);
  });

  it.each([
    ['a 503', apiError(503), 3],
    ['a 429 without Retry-After', apiError(429), 3],
    [
      'quota_exceeded',
      new ProviderError({ code: 'quota_exceeded', message: 'no credit', status: 429 }),
      1,
    ],
    ['a connection failure', new TypeError('fetch failed'), 3],
    [
      'an open circuit thrown by the source',
      Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' }),
      1,
    ],
  ])('fails over on a provider failure: %s', async (_name, error, opens) => {
    const manager = createStreamManager({ buffer: false, retry: { baseDelayMs: 0 } });
    const first = scriptedSource(words(1), { openFailures: [error, error, error] });
    const second = scriptedSource(words(1), { model: 'backup' });
    const end = (await collect(manager.stream([first, second]))).at(-1)!;
    expect(end).toMatchObject({ type: 'complete', model: 'backup' });
    expect(first.opens).toBe(opens);
  });

  it('fails over on a caller error when failover.shouldFailover says so', async () => {
    const seen: unknown[] = [];
    const manager = createStreamManager({
      buffer: false,
      failover: {
        shouldFailover: (error) => {
          seen.push(error);
          return true;
        },
      },
    });
    const failure = apiError(404);
    const first = scriptedSource(words(1), { openFailures: [failure] });
    const second = scriptedSource(words(1), { model: 'other' });
    const end = (await collect(manager.stream([first, second]))).at(-1)!;
    expect(end).toMatchObject({ type: 'complete', model: 'other' });
    expect(seen).toEqual([failure]);
    expect(() => createStreamManager({ failover: { shouldFailover: 1 as never } })).toThrow(
      new TypeError('failover.shouldFailover must be a function, got number'),
    );
  });

  it('waits out a 429 Retry-After on the same source although its real breaker opened for that time', async () => {
    const breaker = createCircuitBreaker({ name: 'primary' });
    const manager = createStreamManager({ buffer: false, random: () => 0 });
    const steps: string[] = [];
    manager.on('attempt_failed', (event) =>
      steps.push(`${event.model}:${event.code}:${event.next}`),
    );
    manager.on('failover', (event) => steps.push(`failover:${event.model}`));
    const primary = scriptedSource(words(1), {
      model: 'primary',
      openFailures: [apiError(429, { 'retry-after': '30' })],
    });
    const secondary = scriptedSource(words(2), { model: 'secondary' });
    const reading = collect(
      manager.stream([{ source: primary, guard: breaker }, { source: secondary }]),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(breaker.state).toBe('OPEN');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(primary.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const events = await reading;
    expect(steps).toEqual(['primary:RATE_LIMITED:retry']);
    expect(events.at(-1)).toMatchObject({ type: 'complete', model: 'primary' });
    expect([primary.opens, secondary.opens]).toEqual([2, 0]);
  });

  it('fails over at once when the breaker stays open longer than the Retry-After', async () => {
    let open = false;
    const guard = {
      tryAcquire: () =>
        open
          ? ({
              ok: false,
              error: Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' }),
              retryAfterMs: 60_000,
            } as const)
          : {
              ok: true as const,
              success() {},
              failure() {
                open = true;
              },
              release() {},
            },
    };
    const manager = createStreamManager({ buffer: false, random: () => 0 });
    const steps: string[] = [];
    manager.on('attempt_failed', (event) =>
      steps.push(`${event.model}:${event.code}:${event.next}`),
    );
    const primary = scriptedSource(words(1), {
      model: 'primary',
      openFailures: [apiError(429, { 'retry-after': '2' })],
    });
    const secondary = scriptedSource(words(2), { model: 'secondary' });
    const reading = collect(manager.stream([{ source: primary, guard }, { source: secondary }]));
    // No timer is advanced: waiting for the breaker would leave the stream pending.
    await vi.advanceTimersByTimeAsync(0);
    const events = await reading;
    expect(steps).toEqual(['primary:RATE_LIMITED:failover']);
    expect(events.at(-1)).toMatchObject({ type: 'complete', model: 'secondary' });
    expect(primary.opens).toBe(1);
  });

  it('still waits out a Retry-After when the breaker would admit the retry', async () => {
    const breaker = createCircuitBreaker({ name: 'lenient', classify: () => 'ignored' });
    const manager = createStreamManager({ buffer: false, random: () => 0 });
    const primary = scriptedSource(words(1), {
      openFailures: [apiError(429, { 'retry-after': '2' })],
    });
    const reading = collect(manager.stream({ source: primary, guard: breaker }));
    await vi.advanceTimersByTimeAsync(1999);
    expect(primary.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await reading).at(-1)).toMatchObject({ type: 'complete' });
    expect(primary.opens).toBe(2);
  });

  it('retries an upstream that fails before its first token, invisibly to the reader', async () => {
    const manager = createStreamManager({ buffer: false, random: () => 0 });
    let attempt = 0;
    const source = {
      provider: 'anthropic',
      model: 'claude',
      async open() {
        attempt++;
        const failing = attempt === 1;
        return (async function* () {
          yield { type: 'usage' as const, inputTokens: 9, outputTokens: 1 };
          if (failing) throw Object.assign(new Error('overloaded_error'), { status: 529 });
          yield { type: 'text' as const, text: 'ok' };
          yield { type: 'usage' as const, outputTokens: 1 };
        })();
      },
    };
    const events = await collect(manager.stream(source));
    expect(events.map((event) => event.type)).toEqual(['start', 'chunk', 'complete']);
    expect(events.at(-1)).toMatchObject({ usage: { inputTokens: 9, outputTokens: 1 } });
    expect(attempt).toBe(2);
  });

  it('cancelling during a backoff clears the timer and opens nothing more', async () => {
    const manager = createStreamManager({ random: () => 0.99 });
    const source = scriptedSource(words(1), { openFailures: [apiError(503)] });
    const stream = manager.stream(source);
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(10);
    // The backoff and the stream's deadline watchdog.
    expect(await timersLeft()).toBe(2);
    manager.cancel(stream.id, 'gave up');
    expect(await timersLeft()).toBe(0);
    expect((await reading).at(-1)).toMatchObject({ type: 'cancelled', reason: 'gave up' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.opens).toBe(1);
  });
});

describe('breaker permits', () => {
  it('settles the permit with success when the stream ends, not when it opens', async () => {
    const recorder = recordingGuard();
    const manager = createStreamManager({ buffer: false });
    const stream = manager.stream({ source: scriptedSource(words(3)), guard: recorder.guard });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect((await iterator.next()).value?.type).toBe('chunk');
    expect(recorder.issued).toBe(1);
    expect(recorder.settled).toEqual([]);
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      // read to the end
    }
    expect(recorder.settled).toEqual(['success']);
  });

  it('records a failure for an upstream error after the first token', async () => {
    const recorder = recordingGuard();
    const source = scriptedSource([...words(2), { fail: new Error('reset') }]);
    await collect(createStreamManager().stream({ source, guard: recorder.guard }));
    expect(recorder.settled).toEqual(['failure:reset']);
  });

  it('releases the permit when the caller cancels', async () => {
    const recorder = recordingGuard();
    const source = scriptedSource([...words(2), { wait: 60_000 }]);
    const stream = createStreamManager({ buffer: false }).stream({ source, guard: recorder.guard });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    stream.cancel();
    expect(recorder.settled).toEqual(['release']);
  });

  it('fails each attempt that errors before the first token and skips a source whose circuit is open', async () => {
    const open = recordingGuard(true);
    const flaky = recordingGuard();
    const healthy = recordingGuard();
    const manager = createStreamManager({ buffer: false, retry: false });
    const events = await collect(
      manager.stream([
        { source: scriptedSource(words(1), { model: 'a' }), guard: open.guard },
        {
          source: scriptedSource(words(1), { model: 'b', openFailures: [apiError(500)] }),
          guard: flaky.guard,
        },
        { source: scriptedSource(words(1), { model: 'c' }), guard: healthy.guard },
      ]),
    );
    expect(events.at(-1)).toMatchObject({ type: 'complete', model: 'c' });
    expect(flaky.settled).toEqual(['failure:HTTP 500']);
    expect(healthy.settled).toEqual(['success']);
  });

  it('ends with CIRCUIT_OPEN and the breaker retry-after when every guard refuses', async () => {
    const source = scriptedSource(words(1));
    const events = await collect(
      createStreamManager().stream({ source, guard: recordingGuard(true).guard }),
    );
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'CIRCUIT_OPEN',
      retryable: true,
      retryAfterMs: 30_000,
    });
    expect(source.opens).toBe(0);
  });

  it('accepts an execute()-shaped guard: the call spans the stream', async () => {
    const outcomes: string[] = [];
    let open = true;
    const guard: ExecuteGuard = {
      async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
        if (!open)
          throw Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN', retryAfterMs: 5 });
        try {
          const value = await fn(new AbortController().signal);
          outcomes.push('resolved');
          return value;
        } catch (error) {
          outcomes.push('rejected');
          throw error;
        }
      },
    };
    const manager = createStreamManager({ buffer: false });
    const stream = manager.stream({ source: scriptedSource(words(2)), guard });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    await Promise.resolve();
    expect(outcomes).toEqual([]);
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      // read to the end
    }
    await Promise.resolve();
    expect(outcomes).toEqual(['resolved']);
    open = false;
    const refused = await collect(manager.stream({ source: scriptedSource(words(1)), guard }));
    expect(refused.at(-1)).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 5 });
  });
});
