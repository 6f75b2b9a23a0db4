import { tokenWeight } from '../estimate-tokens.js';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { ProviderError, toProviderError } from './provider-error.js';

/** Turns one provider's stream items into {@link ProviderEvent}s; one instance per request. */
export interface ChunkTranslator<Chunk> {
  /** Appends the events of one upstream item to `out`; returns an error to throw after them. */
  read(chunk: Chunk, out: ProviderEvent[]): ProviderError | undefined;
  /** Appends the closing events to `out` once the upstream ends; returns an error if it ended early. */
  end(out: ProviderEvent[]): ProviderError | undefined;
}

/** What {@link createProviderSource} needs from an adapter. */
export interface ProviderSourceSpec<Chunk> {
  readonly provider: string;
  readonly model: string;
  readonly maxTokens: number | undefined;
  readonly promptTokens: number | undefined;
  /** Sends the request with `signal`; resolves once the provider accepted it (HTTP 200). */
  start(signal: AbortSignal): PromiseLike<AsyncIterable<Chunk> | Iterable<Chunk>>;
  translator(): ChunkTranslator<Chunk>;
}

const noop = () => {};

/**
 * Builds a {@link ProviderStreamSource} around an upstream request: `open` rejects with a
 * {@link ProviderError} (or the abort reason) when the request fails before the stream,
 * and the events iterator pulls one upstream item per `next()` (no read-ahead, so a slow
 * consumer stops the upstream), throws `signal.reason` as soon as `signal` aborts, and
 * closes the upstream request whenever it stops early.
 */
export function createProviderSource<Chunk>(spec: ProviderSourceSpec<Chunk>): ProviderStreamSource {
  const source: ProviderStreamSource = {
    provider: spec.provider,
    model: spec.model,
    ...(spec.maxTokens === undefined ? {} : { maxTokens: spec.maxTokens }),
    ...(spec.promptTokens === undefined ? {} : { promptTokens: spec.promptTokens }),
    async open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>> {
      signal.throwIfAborted();
      // The request gets its own controller so that a consumer that stops reading can close
      // the connection too: some SDK streams (genai) only release the body on return().
      const request = new AbortController();
      const forward = () => request.abort(signal.reason);
      signal.addEventListener('abort', forward, { once: true });
      let upstream: AsyncIterable<Chunk> | Iterable<Chunk>;
      try {
        upstream = await spec.start(request.signal);
      } catch (error) {
        signal.removeEventListener('abort', forward);
        if (signal.aborted) throw signal.reason;
        throw toProviderError(error, { provider: spec.provider });
      }
      const iterator = new ProviderEventIterator(upstream, {
        signal,
        request,
        forward,
        translator: spec.translator(),
        provider: spec.provider,
      });
      return { [Symbol.asyncIterator]: () => iterator };
    },
  };
  return source;
}

interface IteratorContext<Chunk> {
  /** The caller's signal. */
  readonly signal: AbortSignal;
  /** Aborts the upstream request; follows `signal` through `forward`. */
  readonly request: AbortController;
  readonly forward: () => void;
  readonly translator: ChunkTranslator<Chunk>;
  readonly provider: string;
}

class ProviderEventIterator<Chunk> implements AsyncIterator<ProviderEvent> {
  readonly #upstream: AsyncIterator<Chunk> | Iterator<Chunk>;
  readonly #signal: AbortSignal;
  readonly #request: AbortController;
  readonly #forward: () => void;
  readonly #translator: ChunkTranslator<Chunk>;
  readonly #provider: string;
  /** Events translated from the last upstream item and not handed out yet. */
  readonly #events: ProviderEvent[] = [];
  #eventIndex = 0;
  /** Thrown once the events before it are handed out. */
  #failure: unknown;
  /** No more events: the upstream ended, an error was thrown, or the consumer returned. */
  #done = false;
  /** The upstream iterator finished (done or threw): no return() to call any more. */
  #upstreamSettled = false;
  /** The upstream iterator ended normally: the request is over and needs no abort. */
  #upstreamCompleted = false;
  /** The consumer's pending `next()`, while the upstream is being pulled. */
  #resolve: ((result: IteratorResult<ProviderEvent>) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  #pending: Promise<IteratorResult<ProviderEvent>> | undefined;

  constructor(upstream: AsyncIterable<Chunk> | Iterable<Chunk>, context: IteratorContext<Chunk>) {
    this.#upstream =
      Symbol.asyncIterator in upstream
        ? upstream[Symbol.asyncIterator]()
        : (upstream as Iterable<Chunk>)[Symbol.iterator]();
    this.#signal = context.signal;
    this.#request = context.request;
    this.#forward = context.forward;
    this.#translator = context.translator;
    this.#provider = context.provider;
    // One listener per stream (not per pull) keeps the per-chunk cost to one promise.
    this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  next(): Promise<IteratorResult<ProviderEvent>> {
    // Calls are served in order: a second call waits for the first.
    if (this.#pending !== undefined) return this.#pending.then(() => this.next());
    let ready: IteratorResult<ProviderEvent> | undefined;
    try {
      ready = this.#ready();
    } catch (error) {
      return Promise.reject(error);
    }
    if (ready !== undefined) return Promise.resolve(ready);
    const pending = new Promise<IteratorResult<ProviderEvent>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#pending = pending;
    // A synchronous upstream may settle `pending` (and clear #pending) before this returns.
    this.#pump();
    return pending;
  }

  async return(): Promise<IteratorResult<ProviderEvent>> {
    this.#events.length = 0;
    this.#eventIndex = 0;
    this.#failure = undefined;
    this.#stop();
    this.#settle(undefined, { done: true, value: undefined });
    return { done: true, value: undefined };
  }

  /** The next result without pulling upstream, or undefined when a pull is needed; throws what is due. */
  #ready(): IteratorResult<ProviderEvent> | undefined {
    // An abort wins over events already translated: the caller has stopped listening.
    if (this.#signal.aborted && !this.#done) {
      this.#stop();
      throw this.#signal.reason;
    }
    if (this.#eventIndex < this.#events.length) {
      return { done: false, value: this.#events[this.#eventIndex++]! };
    }
    this.#events.length = 0;
    this.#eventIndex = 0;
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      this.#stop();
      throw failure;
    }
    if (this.#done) return { done: true, value: undefined };
    return undefined;
  }

  /** Pulls upstream items until one yields a result for the pending `next()`. */
  #pump(): void {
    for (;;) {
      let pulled: IteratorResult<Chunk> | PromiseLike<IteratorResult<Chunk>>;
      try {
        pulled = this.#upstream.next();
      } catch (error) {
        this.#onPullError(error);
        return;
      }
      if (typeof (pulled as PromiseLike<unknown>).then === 'function') {
        (pulled as PromiseLike<IteratorResult<Chunk>>).then(this.#onPullResult, this.#onPullError);
        return;
      }
      if (!this.#accept(pulled as IteratorResult<Chunk>)) return;
    }
  }

  readonly #onPullResult = (result: IteratorResult<Chunk>): void => {
    if (this.#accept(result)) this.#pump();
  };

  readonly #onPullError = (error: unknown): void => {
    if (this.#resolve === undefined) return;
    this.#upstreamSettled = true;
    this.#stop();
    // The SDKs surface an abort as their own error type; the caller expects its reason.
    const reason = this.#signal.aborted
      ? this.#signal.reason
      : toProviderError(error, { provider: this.#provider });
    this.#settle(reason);
  };

  /** Translates one upstream result; true when another pull is needed for the pending `next()`. */
  #accept(result: IteratorResult<Chunk>): boolean {
    // The pending next() was already settled by an abort or return().
    if (this.#resolve === undefined) return false;
    try {
      if (result.done) {
        this.#upstreamSettled = true;
        this.#upstreamCompleted = true;
        // openai and @anthropic-ai/sdk end their streams quietly when the request is aborted.
        if (!this.#signal.aborted) {
          this.#failure = this.#translator.end(this.#events);
        }
        this.#stop();
        if (this.#signal.aborted) throw this.#signal.reason;
      } else {
        this.#failure = this.#translator.read(result.value, this.#events);
        if (this.#failure !== undefined) this.#done = true;
      }
      const ready = this.#ready();
      if (ready === undefined) return true;
      this.#settle(undefined, ready);
    } catch (error) {
      // A throwing translator is a broken contract: stop the upstream and pass the error on.
      this.#stop();
      this.#settle(error);
    }
    return false;
  }

  #settle(error: unknown, result?: IteratorResult<ProviderEvent>): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#pending = undefined;
    if (result !== undefined) resolve?.(result);
    else reject?.(error);
  }

  readonly #onAbort = (): void => {
    // Unblocks a pull the upstream may never answer, and closes the upstream request.
    this.#closeUpstream();
    if (this.#resolve !== undefined) {
      this.#stop();
      this.#settle(this.#signal.reason);
    }
  };

  #stop(): void {
    this.#done = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#signal.removeEventListener('abort', this.#forward);
    this.#closeUpstream();
  }

  #closeUpstream(): void {
    if (!this.#upstreamCompleted && !this.#request.signal.aborted) {
      this.#request.abort(
        this.#signal.aborted
          ? this.#signal.reason
          : new Error('the stream consumer stopped reading'),
      );
    }
    if (this.#upstreamSettled) return;
    this.#upstreamSettled = true;
    try {
      const closing = this.#upstream.return?.();
      if (closing && typeof (closing as Promise<unknown>).then === 'function') {
        (closing as Promise<unknown>).then(noop, noop);
      }
    } catch {
      // A failing cleanup of the upstream changes nothing for the caller.
    }
  }
}

/** Reports usage only when a count changed, as cumulative totals. */
export class UsageReporter {
  #input: number | undefined;
  #output: number | undefined;
  #reasoning: number | undefined;

  /** Appends a `usage` event to `out` when a count differs from the last report. */
  report(
    input: number | null | undefined,
    output: number | null | undefined,
    out: ProviderEvent[],
    reasoning?: number | null,
  ): void {
    const nextInput = input ?? this.#input;
    const nextOutput = output ?? this.#output;
    const nextReasoning = reasoning ?? this.#reasoning;
    if (
      nextInput === this.#input &&
      nextOutput === this.#output &&
      nextReasoning === this.#reasoning
    ) {
      return;
    }
    this.#input = nextInput;
    this.#output = nextOutput;
    this.#reasoning = nextReasoning;
    out.push({
      type: 'usage',
      ...(nextInput === undefined ? {} : { inputTokens: nextInput }),
      ...(nextOutput === undefined ? {} : { outputTokens: nextOutput }),
      ...(nextReasoning === undefined ? {} : { reasoningTokens: nextReasoning }),
    });
  }
}

/** The error for a stream that closed before the provider's terminal event. */
export function incompleteStream(provider: string, missing: string): ProviderError {
  return new ProviderError({
    code: 'incomplete_stream',
    message: `${provider} stream ended before ${missing}: the response is incomplete`,
    provider,
  });
}

const TEXT_KEYS = new Set([
  'content',
  'contents',
  'text',
  'parts',
  'system',
  'instructions',
  'input',
  'messages',
]);

/** Token weight of the prompt text in a request body (see {@link estimatePromptTokens}). */
function promptWeight(value: unknown, depth: number): number {
  if (typeof value === 'string') return tokenWeight(value);
  if (depth > 8 || typeof value !== 'object' || value === null) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += promptWeight(item, depth + 1);
    return total;
  }
  for (const [key, item] of Object.entries(value)) {
    if (TEXT_KEYS.has(key)) total += promptWeight(item, depth + 1);
  }
  return total;
}

/** Tokens a chat format adds around each message (role markers) and before the reply. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_BEFORE_REPLY = 3;

/**
 * Estimated input tokens of a request, counted from the prompt the caller passed: the text under
 * the keys that hold it in the OpenAI, Anthropic and Gemini request shapes (`messages[].content`,
 * `system`, `contents[].parts[].text`, `input`, `instructions`; images and tool schemas do not
 * count), weighed like {@link estimateTokens}, plus the few tokens the chat format adds per
 * message. `messages` is the request's message list (a string prompt is one message).
 */
export function estimatePromptTokens(request: Record<string, unknown>, messages: unknown): number {
  const count = Array.isArray(messages) ? messages.length : messages === undefined ? 0 : 1;
  return Math.ceil(promptWeight(request, 0)) + TOKENS_PER_MESSAGE * count + TOKENS_BEFORE_REPLY;
}

/** A positive integer, or undefined for anything else (null, 0, missing). */
export function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Merges the stream's signal with one the caller put in the request options. */
export function withSignal(own: AbortSignal | null | undefined, signal: AbortSignal): AbortSignal {
  return own ? AbortSignal.any([own, signal]) : signal;
}
