import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { type AdapterOptions, checkAdapterOptions } from './adapter-options.js';
import { type ChunkTranslator, createProviderSource } from './create-provider-source.js';

/** What the iterable may yield: text, or typed parts (reasoning, tool calls, usage, finish). */
export type IterableItem = string | ProviderEvent;

/** Text pieces (or typed parts), or a function that starts producing them for one attempt. */
export type TextIterableInput =
  | AsyncIterable<IterableItem>
  | Iterable<IterableItem>
  | ((
      signal: AbortSignal,
    ) =>
      | AsyncIterable<IterableItem>
      | Iterable<IterableItem>
      | PromiseLike<AsyncIterable<IterableItem> | Iterable<IterableItem>>);

/** Options of {@link iterableSource}. */
export interface IterableSourceOptions extends AdapterOptions {
  /** Provider name on the source and its events. @default 'custom' */
  readonly provider?: string;
  /** Model name on the source and its events. @default 'unknown' */
  readonly model?: string;
  /** Finish reason reported when the iterable ends without yielding a `finish` event. @default 'stop' */
  readonly finishReason?: string;
}

function itemTranslator(finishReason: string): ChunkTranslator<IterableItem> {
  let finished = false;
  return {
    read(item, out) {
      if (typeof item === 'string') {
        if (item !== '') out.push({ type: 'text', text: item });
        return undefined;
      }
      if (typeof item !== 'object' || item === null || typeof item.type !== 'string') {
        throw new TypeError(
          `iterableSource: the iterable must yield strings or provider events, got ${typeof item}`,
        );
      }
      if (item.type === 'finish') finished = true;
      out.push(item);
      return undefined;
    },
    end(out) {
      if (!finished) out.push({ type: 'finish', reason: finishReason });
      return undefined;
    },
  };
}

function isSingleUse(iterable: AsyncIterable<IterableItem> | Iterable<IterableItem>): boolean {
  // Generators are their own iterators and can be walked once.
  const iterator =
    Symbol.asyncIterator in iterable
      ? (iterable as { [Symbol.asyncIterator]: unknown })[Symbol.asyncIterator]
      : (iterable as { [Symbol.iterator]: unknown })[Symbol.iterator];
  return typeof iterator === 'function' && iterator.call(iterable) === iterable;
}

/**
 * A stream source over any `AsyncIterable` (or `Iterable`) of strings or {@link ProviderEvent}s:
 * a LangChain `.stream()`, a `ReadableStream` of text, your own generator. Each string becomes a
 * `text` event (empty ones are dropped); an object is passed on as a typed part (reasoning, tool
 * calls, usage, finish); a `finish` event is added at the end unless one was yielded. Without
 * `usage` events the stream estimates tokens. Pass a function
 * `(signal) => iterable` so retries and failover can start the text again and so your
 * producer sees the abort; a plain generator can be opened only once.
 *
 * @example
 * const source = iterableSource((signal) => result.textStream, { provider: 'vercel-ai', model: 'gpt-4o' });
 */
export function iterableSource(
  input: TextIterableInput,
  options: IterableSourceOptions = {},
): ProviderStreamSource {
  const isFactory = typeof input === 'function';
  if (
    !isFactory &&
    (typeof input !== 'object' ||
      input === null ||
      !(Symbol.asyncIterator in input || Symbol.iterator in input))
  ) {
    throw new TypeError(
      'iterableSource: input must be an iterable of strings or a function returning one',
    );
  }
  checkAdapterOptions('iterableSource', options);
  if (options.model !== undefined && (typeof options.model !== 'string' || options.model === '')) {
    throw new TypeError(
      `iterableSource: model must be a non-empty string, got ${String(options.model)}`,
    );
  }
  const finishReason = options.finishReason ?? 'stop';
  const singleUse = !isFactory && isSingleUse(input);
  let opened = false;
  return createProviderSource<IterableItem>({
    provider: options.provider ?? 'custom',
    model: options.model ?? 'unknown',
    maxTokens: options.maxTokens,
    promptTokens: options.promptTokens,
    start: async (signal) => {
      if (isFactory) return input(signal);
      if (singleUse && opened) {
        throw new TypeError(
          'iterableSource: this iterable can be read once and was already opened; pass a function (signal) => iterable to allow retries',
        );
      }
      opened = true;
      return input;
    },
    translator: () => itemTranslator(finishReason),
  });
}
