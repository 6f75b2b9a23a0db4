import { describe, expect, it } from 'vitest';
import { apiError, scriptedSource, words } from './__fixtures__/scripted-source.js';
import type { ManagedStream } from './managed-stream.js';
import type { StreamEvent } from './stream-event.js';
import type { GuardPermit, GuardRejection, PermitGuard } from './stream-guard.js';
import { createStreamManager } from './stream-manager.js';

async function collect(stream: ManagedStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** A guard that refuses every permit, like an open circuit. */
const openCircuit: PermitGuard = {
  tryAcquire: (): GuardPermit | GuardRejection => ({
    ok: false,
    error: Object.assign(new Error('circuit open'), { code: 'CIRCUIT_OPEN' }),
    retryAfterMs: 30_000,
  }),
};

describe('attempt observability', () => {
  it('emits attempt_failed for every failed attempt, also those a retry or failover hides', async () => {
    const manager = createStreamManager({ buffer: false, retry: { baseDelayMs: 0 } });
    const seen: string[] = [];
    manager.on('attempt_failed', (event) =>
      seen.push(`${event.model}#${event.attempt}:${event.code}:${event.status}:${event.next}`),
    );
    manager.on('retry', (event) => seen.push(`retry#${event.attempt}`));
    manager.on('failover', (event) => seen.push(`failover:${event.model}`));
    manager.on('complete', (event) => seen.push(`complete:${event.model}`));
    const primary = scriptedSource(words(1), {
      model: 'primary',
      openFailures: [apiError(503), apiError(503), apiError(429)],
    });
    const secondary = scriptedSource(words(1), { model: 'secondary' });
    await collect(manager.stream([primary, secondary]));
    expect(seen).toEqual([
      'primary#1:UPSTREAM_ERROR:503:retry',
      'retry#2',
      'primary#2:UPSTREAM_ERROR:503:retry',
      'retry#3',
      'primary#3:RATE_LIMITED:429:failover',
      'failover:secondary',
      'complete:secondary',
    ]);
  });

  it('emits the last failed attempt with next none just before the error event', async () => {
    const manager = createStreamManager({ buffer: false });
    const seen: string[] = [];
    manager.on('attempt_failed', (event) =>
      seen.push(`attempt_failed:${event.code}:${event.next}`),
    );
    manager.on('error', (event) => seen.push(`error:${event.code}`));
    const only = scriptedSource(words(1), { openFailures: [apiError(400)] });
    await collect(manager.stream(only));
    expect(seen).toEqual(['attempt_failed:INVALID_REQUEST:none', 'error:INVALID_REQUEST']);
    expect(only.opens).toBe(1);
  });

  it('emits attempt_failed for a refused permit and for a failure after the first token', async () => {
    const manager = createStreamManager({ buffer: false });
    const seen: string[] = [];
    manager.on('attempt_failed', (event) =>
      seen.push(`${event.model}:${event.code}:${event.next}`),
    );
    const broken = scriptedSource([...words(2), { fail: apiError(500) }], { model: 'broken' });
    const end = (
      await collect(
        manager.stream([
          { source: scriptedSource(words(1), { model: 'guarded' }), guard: openCircuit },
          broken,
        ]),
      )
    ).at(-1)!;
    expect(seen).toEqual(['guarded:CIRCUIT_OPEN:failover', 'broken:STREAM_INTERRUPTED:none']);
    expect(end).toMatchObject({ type: 'error', code: 'STREAM_INTERRUPTED', status: 500 });
  });
});

describe('provider usage validation', () => {
  it('ignores counts that are not finite non-negative integers', async () => {
    const source = scriptedSource([
      ...words(4),
      { type: 'usage', inputTokens: -3, outputTokens: Number.NaN },
      { type: 'usage', inputTokens: 2.5, outputTokens: Number.POSITIVE_INFINITY },
      { type: 'usage', reasoningTokens: -1, outputTokens: '7' as unknown as number },
    ]);
    const end = (await collect(createStreamManager({ buffer: false }).stream(source))).at(-1)!;
    expect(end).toMatchObject({
      type: 'complete',
      usage: { inputTokens: 0, outputTokens: 4, estimated: true },
    });
    expect(end.type === 'complete' && 'reasoningTokens' in end.usage).toBe(false);
  });
});
