import { abortableSleep } from './abortable-sleep.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';

/** A whole reply to replay as a stream. */
export interface SimulatedReply {
  readonly text: string;
  /** The provider's counts, when known: reported as exact usage at the end. */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** @default 'stop' */
  readonly finishReason?: string;
}

/** Options for {@link createSimulatedSource}. */
export interface SimulatedSourceOptions {
  readonly model: string;
  /** @default 'simulated' */
  readonly provider?: string;
  /**
   * The reply: a string or {@link SimulatedReply} (a cache hit), or a function that fetches it
   * (a non-streaming API call). The function runs on each `open()`, so its errors before the
   * first token get the stream's retries and failover.
   */
  readonly reply:
    | string
    | SimulatedReply
    | ((signal: AbortSignal) => Promise<string | SimulatedReply> | string | SimulatedReply);
  /** How the text is cut: into words (each with its leading space), lines, or pieces of N characters. @default 'word' */
  readonly chunkSize?: 'word' | 'line' | number;
  /** Pause between pieces; 0 sends them as fast as they are read. @default 0 */
  readonly chunkDelayMs?: number;
  /** Basis of progress percent, as for a real source. */
  readonly maxTokens?: number;
  /** Input tokens of the request, used until the reply reports its own usage. */
  readonly promptTokens?: number;
  /**
   * Prompt length in characters: input tokens are estimated as a quarter of it. Ignored when
   * `promptTokens` is given.
   * @deprecated pass `promptTokens`
   */
  readonly promptChars?: number;
}

/**
 * Turns a non-streaming reply (a cache hit, a non-streaming API) into a {@link ProviderStreamSource}
 * that streams it piece by piece, with a chosen chunk size and pace, through the same managed
 * pipeline (buffering, progress, cancellation, delivery) as a live model.
 */
export function createSimulatedSource(options: SimulatedSourceOptions): ProviderStreamSource {
  const chunkSize = options.chunkSize ?? 'word';
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  if (typeof options.model !== 'string' || options.model === '') {
    throw new TypeError('model must be a non-empty string');
  }
  if (
    chunkSize !== 'word' &&
    chunkSize !== 'line' &&
    (!Number.isInteger(chunkSize) || (chunkSize as number) < 1)
  ) {
    throw new RangeError(`chunkSize must be 'word', 'line' or an integer ≥ 1, got ${chunkSize}`);
  }
  if (!(chunkDelayMs >= 0) || !Number.isFinite(chunkDelayMs)) {
    throw new RangeError(`chunkDelayMs must be a finite number ≥ 0, got ${chunkDelayMs}`);
  }
  if (options.reply === undefined || options.reply === null) {
    throw new TypeError('reply must be a string, a SimulatedReply or a function');
  }
  return {
    provider: options.provider ?? 'simulated',
    model: options.model,
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.promptTokens === undefined ? {} : { promptTokens: options.promptTokens }),
    ...(options.promptChars === undefined ? {} : { promptChars: options.promptChars }),
    async open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>> {
      const value =
        typeof options.reply === 'function' ? await options.reply(signal) : options.reply;
      if (signal.aborted) throw signal.reason;
      const reply: SimulatedReply = typeof value === 'string' ? { text: value } : value;
      return replay(reply, splitText(reply.text, chunkSize), chunkDelayMs, signal);
    },
  };
}

async function* replay(
  reply: SimulatedReply,
  pieces: readonly string[],
  chunkDelayMs: number,
  signal: AbortSignal,
): AsyncGenerator<ProviderEvent> {
  for (let index = 0; index < pieces.length; index++) {
    if (index > 0 && chunkDelayMs > 0) await abortableSleep(chunkDelayMs, signal);
    if (signal.aborted) throw signal.reason;
    yield { type: 'text', text: pieces[index]! };
  }
  yield { type: 'finish', reason: reply.finishReason ?? 'stop' };
  if (reply.inputTokens !== undefined || reply.outputTokens !== undefined) {
    yield {
      type: 'usage',
      ...(reply.inputTokens === undefined ? {} : { inputTokens: reply.inputTokens }),
      ...(reply.outputTokens === undefined ? {} : { outputTokens: reply.outputTokens }),
    };
  }
}

/** Cuts text into pieces whose concatenation is the text. */
export function splitText(text: string, chunkSize: 'word' | 'line' | number): string[] {
  if (text === '') return [];
  if (chunkSize === 'word') return text.match(/\s*\S+|\s+$/g) ?? [text];
  if (chunkSize === 'line') return text.match(/[^\n]*\n|[^\n]+$/g) ?? [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + chunkSize, text.length);
    // Never split a surrogate pair: an emoji stays whole.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
