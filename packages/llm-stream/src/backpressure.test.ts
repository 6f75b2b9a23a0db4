import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { countingSource } from './__fixtures__/http-upstream.js';
import { createManagedStream } from './managed-stream.js';

async function idle(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await nextTurn();
}

describe('backpressure with a stalled consumer', () => {
  it('pulls from the upstream only while the reader waits (buffering off)', async () => {
    const source = countingSource(4);
    const stream = createManagedStream(source, { buffer: false });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // start
    for (let read = 0; read < 3; read++) await iterator.next();
    await idle(200);
    // Three chunks read: three pulls, nothing read ahead while the reader stalls.
    expect(source.pulls).toBe(3);
    await iterator.next();
    await idle(50);
    expect(source.pulls).toBe(4);
    stream.cancel();
  });

  it('holds at most one buffer of tokens plus one event while the reader stalls (buffering on)', async () => {
    const source = countingSource(4);
    const stream = createManagedStream(source, {
      buffer: { tokens: 5, maxDelayMs: 10, holdFirstToken: true },
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // start
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: 'chunk', tokensInChunk: 5 });
    await idle(200);
    expect(source.pulls).toBe(5);
    stream.cancel();
  });

  it('a reader that never comes back costs nothing after the stream is cancelled', async () => {
    const source = countingSource(1024);
    const stream = createManagedStream(source, { buffer: false });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    stream.cancel('stalled');
    await idle(50);
    expect(source.pulls).toBe(1);
    expect(stream.ended).toBe(true);
    await expect(stream.done).resolves.toMatchObject({ type: 'cancelled', reason: 'stalled' });
  });

  it('consume(onEvent): a callback that returns a pending promise stops the upstream until it settles', async () => {
    const source = countingSource(4);
    const stream = createManagedStream(source, { buffer: false });
    let release!: () => void;
    let chunks = 0;
    const reading = stream.consume((event) => {
      if (event.type !== 'chunk') return;
      chunks++;
      // The source never ends and never waits: stop it, or the microtask chain never yields.
      if (chunks === 10) stream.cancel('enough');
      if (chunks !== 3) return;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await idle(200);
    expect(source.pulls).toBe(3);
    release();
    await expect(reading).resolves.toMatchObject({ type: 'cancelled', reason: 'enough' });
    expect(source.pulls).toBe(10);
  });
});
