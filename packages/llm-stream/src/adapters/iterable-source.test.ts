import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { iterableSource } from './iterable-source.js';
import { isProviderError } from './provider-error.js';

async function collect(source: ProviderStreamSource, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of await source.open(signal)) events.push(event);
  return events;
}

async function* words(...items: string[]) {
  for (const item of items) yield item;
}

describe('iterableSource', () => {
  it('turns each string into a text event, drops empty ones, and ends with finish', async () => {
    const source = iterableSource(() => words('Hello', '', ' world'), {
      provider: 'local',
      model: 'llama-3',
    });
    expect(source.provider).toBe('local');
    expect(source.model).toBe('llama-3');
    expect(await collect(source)).toEqual([
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' world' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('names the source custom/unknown and reports the finish reason it is given', async () => {
    const source = iterableSource(['a'], {
      finishReason: 'end_turn',
      maxTokens: 10,
      promptTokens: 4,
    });
    expect(source).toMatchObject({
      provider: 'custom',
      model: 'unknown',
      maxTokens: 10,
      promptTokens: 4,
    });
    expect((await collect(source)).at(-1)).toEqual({ type: 'finish', reason: 'end_turn' });
  });

  it('reopens a factory or a re-iterable input for every attempt', async () => {
    let calls = 0;
    const factory = iterableSource((signal) => {
      calls++;
      expect(signal).toBeInstanceOf(AbortSignal);
      return words('x');
    });
    await collect(factory);
    await collect(factory);
    expect(calls).toBe(2);
    const array = iterableSource(['a', 'b']);
    expect(await collect(array)).toEqual(await collect(array));
  });

  it('refuses to open a generator twice, because the second attempt would be empty', async () => {
    const source = iterableSource(words('once'));
    await collect(source);
    const error = await source
      .open(new AbortController().signal)
      .catch((reason: unknown) => reason);
    expect(isProviderError(error) && error.cause).toBeInstanceOf(TypeError);
    expect(String((error as Error).message)).toContain('pass a function (signal) => iterable');
  });

  it('pulls one item per event: a consumer that stops reading stops the producer', async () => {
    let produced = 0;
    async function* counting() {
      for (let index = 0; index < 1000; index++) {
        produced++;
        yield `t${index}`;
      }
    }
    const iterator = (await iterableSource(counting).open(new AbortController().signal))[
      Symbol.asyncIterator
    ]();
    await iterator.next();
    await iterator.next();
    expect(produced).toBe(2);
    await iterator.return?.();
    expect(produced).toBe(2);
  });

  it('throws the abort reason at once, even while the producer is stuck, and closes it', async () => {
    let closed = false;
    async function* stuck() {
      try {
        yield 'first';
        await new Promise(() => {});
      } finally {
        closed = true;
      }
    }
    const controller = new AbortController();
    const iterator = (await iterableSource(stuck).open(controller.signal))[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: 'text', text: 'first' } });
    const pending = iterator.next();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    // The stuck generator cannot run its finally until its await settles, which it never does.
    expect(closed).toBe(false);
  });

  it('closes the producer when the consumer returns early', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (;;) yield 'x';
      } finally {
        closed = true;
      }
    }
    for await (const event of await iterableSource(endless).open(new AbortController().signal)) {
      if (event.type === 'text') break;
    }
    await Promise.resolve();
    expect(closed).toBe(true);
  });

  it('hands the producer the abort signal of the attempt', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const source = iterableSource((signal) => {
      seen = signal;
      return words('a');
    });
    await collect(source, controller.signal);
    const reason = new Error('late');
    const second = iterableSource((signal) => {
      seen = signal;
      return words('a');
    });
    await second.open(controller.signal);
    controller.abort(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
  });

  it('wraps a producer failure in a ProviderError that keeps the cause', async () => {
    const cause = new Error('socket hang up');
    async function* failing() {
      yield 'a';
      throw cause;
    }
    const error = await collect(iterableSource(failing)).catch((reason: unknown) => reason);
    expect(isProviderError(error)).toBe(true);
    expect((error as Error).cause).toBe(cause);
  });

  it('throws a TypeError when the iterable yields something other than a string or an event', async () => {
    const source = iterableSource(() => [42 as unknown as string]);
    await expect(collect(source)).rejects.toThrow(
      new TypeError(
        'iterableSource: the iterable must yield strings or provider events, got number',
      ),
    );
  });

  it('passes typed parts on, and a yielded finish replaces the default one', async () => {
    const source = iterableSource(() => [
      { type: 'reasoning' as const, text: 'hmm' },
      'Hi',
      { type: 'tool-call-start' as const, index: 0, id: 'c1', name: 'f' },
      { type: 'tool-call-end' as const, index: 0 },
      { type: 'finish' as const, reason: 'tool_calls' },
    ]);
    expect(await collect(source)).toEqual([
      { type: 'reasoning', text: 'hmm' },
      { type: 'text', text: 'Hi' },
      { type: 'tool-call-start', index: 0, id: 'c1', name: 'f' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('serves overlapping next() calls in order', async () => {
    const iterator = (await iterableSource(['a', 'b']).open(new AbortController().signal))[
      Symbol.asyncIterator
    ]();
    const results = await Promise.all([
      iterator.next(),
      iterator.next(),
      iterator.next(),
      iterator.next(),
    ]);
    expect(results).toEqual([
      { done: false, value: { type: 'text', text: 'a' } },
      { done: false, value: { type: 'text', text: 'b' } },
      { done: false, value: { type: 'finish', reason: 'stop' } },
      { done: true, value: undefined },
    ]);
  });

  it('removes its abort listeners once the stream ends, fails or is returned', async () => {
    const signal = new AbortController().signal;
    await collect(iterableSource(['a']), signal);
    async function* failing() {
      yield 'a';
      throw new Error('x');
    }
    await collect(iterableSource(failing), signal).catch(() => undefined);
    const iterator = (await iterableSource(['a', 'b']).open(signal))[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    await iterableSource(() => Promise.reject(new Error('no')))
      .open(signal)
      .catch(() => undefined);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('checks its arguments', () => {
    expect(() => iterableSource(42 as never)).toThrow(TypeError);
    expect(() => iterableSource(['a'], { model: '' })).toThrow(
      new TypeError('iterableSource: model must be a non-empty string, got '),
    );
    expect(() => iterableSource(['a'], { maxTokens: 1.5 })).toThrow(
      new RangeError('iterableSource: maxTokens must be an integer ≥ 1, got 1.5'),
    );
  });
});
