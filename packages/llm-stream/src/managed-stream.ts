import type { ActiveStreamInfo } from './active-stream-info.js';
import { tokenQuarters } from './estimate-tokens.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';
import { backoffDelayMs } from './retry-options.js';
import { StreamError, type StreamErrorCode } from './stream-error.js';
import type {
  StreamCancelledEvent,
  StreamChunkEvent,
  StreamCompleteEvent,
  StreamEndEvent,
  StreamErrorEvent,
  StreamEvent,
  StreamFailoverEvent,
  StreamRetryEvent,
  StreamStartEvent,
  StreamUsage,
} from './stream-event.js';
import { acquirePermit, type GuardPermit, type GuardRejection } from './stream-guard.js';
import {
  type ResolvedStreamOptions,
  resolveStreamOptions,
  type StreamOptions,
  type StreamSources,
} from './stream-options.js';
import { describeUpstreamFailure } from './upstream-failure.js';

/**
 * One model response as a pull-based stream of typed events: `start`, `chunk`s, then exactly one
 * of `complete`, `error` or `cancelled`. The upstream is opened on the first read and advanced only
 * while the reader waits, so a slow reader slows the provider read and memory stays bounded.
 * Errors are events, never thrown at the reader.
 */
export interface ManagedStream extends AsyncIterable<StreamEvent> {
  readonly id: string;
  /** The model serving the stream (the next source's after a failover). */
  readonly model: string;
  readonly provider: string;
  /** True once the end event has been produced (it may still wait in the queue for the reader). */
  readonly ended: boolean;
  /** Resolves with the end event as soon as it is produced. Never rejects. */
  readonly done: Promise<StreamEndEvent>;
  /**
   * Ends the stream with a `cancelled` event, aborts the upstream request and releases the
   * breaker permit. Returns false when the stream had already ended.
   * @default reason 'cancelled'
   */
  cancel(reason?: string): boolean;
  /** A snapshot of progress: tokens so far, percent, time to first token, tokens per second. */
  info(): ActiveStreamInfo;
  /**
   * Reads the stream to its end, calling `onEvent` (when given) for every event in order. When
   * `onEvent` returns a promise, nothing more is read (from the upstream either) until it settles:
   * backpressure without a promise per event, the fastest way to read a stream. Resolves with the
   * end event once it has been handled; if `onEvent` throws or rejects, the stream is cancelled
   * (`consumer_stopped`) and the promise rejects with that error. Takes the single reader's place.
   */
  consume(onEvent?: (event: StreamEvent) => unknown): Promise<StreamEndEvent>;
  /** A stream has one reader: a second call throws a TypeError. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent, undefined>;
}

/** Internal: how a stream reports to its manager. */
export interface StreamHooks {
  emit(event: StreamEvent | StreamRetryEvent | StreamFailoverEvent): void;
  ended(stream: ManagedStream): void;
}

type Waiter = (result: IteratorResult<StreamEvent, undefined>) => void;

interface LastFailure {
  readonly code: StreamErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly cause: unknown;
}

const doneResult: IteratorResult<StreamEvent, undefined> = Object.freeze({
  done: true,
  value: undefined,
});

/**
 * Whole tokens in a count of quarter tokens, rounded up. The default estimator counts whole
 * quarters, so this is integer arithmetic; a custom one may return any fraction, whose float
 * sums need a tolerance.
 */
function tokensIn(quarters: number): number {
  if (quarters > 0 && (quarters | 0) === quarters) return (quarters + 3) >>> 2;
  const tokens = quarters / 4;
  return tokens <= 1e-9 ? 0 : Math.ceil(tokens - 1e-9);
}

/**
 * Creates a managed stream outside any registry. Use a {@link StreamManager} to list, inspect and
 * cancel streams by id and to observe every stream's events.
 */
export function createManagedStream(
  sources: StreamSources,
  options: StreamOptions = {},
): ManagedStream {
  const stream = new ManagedStreamImpl(
    resolveStreamOptions(sources, options, {}, () => crypto.randomUUID()),
    undefined,
  );
  stream.begin();
  return stream;
}

/** Internal implementation shared by {@link createManagedStream} and the manager. */
export class ManagedStreamImpl implements ManagedStream, AsyncIterator<StreamEvent, undefined> {
  readonly id: string;
  readonly #options: ResolvedStreamOptions;
  readonly #hooks: StreamHooks | undefined;
  readonly #clock: () => number;
  readonly #bufferTokens: number;
  readonly #holdFirstToken: boolean;
  readonly #estimate: ((text: string) => number) | undefined;

  #source: ProviderStreamSource;
  // Copied out of the source: read for every chunk, and sources may be slow-shaped objects.
  #model: string;
  #provider: string;
  #progressBasis: number | undefined;
  #progressValue = 0;
  // Totals strictly between these two give #progressValue again (see #progress); empty at first.
  #progressLow = Number.POSITIVE_INFINITY;
  #progressHigh = Number.NEGATIVE_INFINITY;
  // The clock reading of the last chunk and its elapsed seconds: a turn's chunks share one reading.
  #elapsedAt = Number.NaN;
  #elapsedSeconds = 0;
  #entryIndex = 0;
  #retriesOnEntry = 0;
  #attempts = 0;
  #connecting = false;
  #lastFailure: LastFailure | undefined;

  #phase: 'connecting' | 'streaming' | 'ended' = 'connecting';
  #opened = false;
  #readerTaken = false;
  #iterator: AsyncIterator<ProviderEvent> | null = null;
  #controller: AbortController | null = null;
  #permit: GuardPermit | null = null;
  #pulling = false;
  #queue: StreamEvent[] = [];
  #waiter: Waiter | null = null;
  #sink: ((event: StreamEvent) => unknown) | null = null;
  #sinkBusy = false;
  #sinkPaused = false;
  #sinkGotEnd = false;
  #settleSink: { resolve(event: StreamEndEvent): void; reject(error: unknown): void } | null = null;

  readonly #startedAt: number;
  #firstTokenAt: number | null = null;
  #chunkNumber = 0;
  /** Estimated weight of the attempt's text, in quarter tokens (see {@link tokenQuarters}). */
  #quarters = 0;
  #reportedOutput: number | undefined;
  #quartersAtReport = 0;
  /** Estimated weight of the text already flushed, so a re-based total does not stall the size flush. */
  #quartersAtFlush = 0;
  #reportedInput: number | undefined;
  #lastTotal = 0;
  #finishReason: string | null = null;

  #bufferText = '';
  #bufferStartedAt = 0;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #sleepTimer: ReturnType<typeof setTimeout> | null = null;
  #wake: (() => void) | null = null;

  #end: StreamEndEvent | null = null;
  #done: Promise<StreamEndEvent> | null = null;
  #resolveDone: ((event: StreamEndEvent) => void) | null = null;

  constructor(options: ResolvedStreamOptions, hooks: StreamHooks | undefined) {
    this.id = options.id;
    this.#options = options;
    this.#hooks = hooks;
    this.#clock = options.clock;
    this.#bufferTokens = options.bufferTokens;
    this.#holdFirstToken = options.holdFirstToken;
    this.#estimate = options.estimateTokens;
    this.#source = options.entries[0]!.source;
    this.#model = this.#source.model;
    this.#provider = this.#source.provider;
    this.#setProgressBasis(this.#basisOf(this.#source));
    this.#startedAt = options.clock();
  }

  /** Emits `start` and wires the abort signal; called once the manager has registered the stream. */
  begin(): void {
    const start: StreamStartEvent = {
      type: 'start',
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      timestamp: this.#startedAt,
    };
    this.#deliver(start);
    const signal = this.#options.signal;
    if (signal === undefined) return;
    if (signal.aborted) this.cancel('aborted');
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  get model(): string {
    return this.#model;
  }

  get provider(): string {
    return this.#provider;
  }

  get ended(): boolean {
    return this.#phase === 'ended';
  }

  get done(): Promise<StreamEndEvent> {
    if (this.#done === null) {
      this.#done =
        this.#end !== null
          ? Promise.resolve(this.#end)
          : new Promise((resolve) => {
              this.#resolveDone = resolve;
            });
    }
    return this.#done;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent, undefined> {
    this.#takeReader();
    return this;
  }

  consume(onEvent: (event: StreamEvent) => unknown = ignore): Promise<StreamEndEvent> {
    if (typeof onEvent !== 'function') {
      return Promise.reject(new TypeError(`onEvent must be a function, got ${typeof onEvent}`));
    }
    try {
      this.#takeReader();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#sink = onEvent;
    return new Promise((resolve, reject) => {
      this.#settleSink = { resolve, reject };
      this.#open();
      this.#pumpSink(true);
    });
  }

  next(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.#open();
    if (this.#queue.length > 0)
      return Promise.resolve({ done: false, value: this.#queue.shift()! });
    if (this.#phase === 'ended') return Promise.resolve(doneResult);
    if (this.#waiter !== null) {
      return Promise.reject(new TypeError('next() called again before the previous read settled'));
    }
    return new Promise(this.#wait);
  }

  #takeReader(): void {
    if (this.#readerTaken) throw new TypeError('A managed stream has a single reader');
    this.#readerTaken = true;
  }

  /** The upstream is opened on the first read, not at creation. */
  #open(): void {
    if (this.#opened || this.#phase === 'ended') return;
    this.#opened = true;
    void this.#connect(undefined);
  }

  /** True while the reader can take an event now: a pending next(), or a sink that is not busy. */
  #ready(): boolean {
    return this.#waiter !== null || (this.#sink !== null && !this.#sinkBusy && !this.#sinkPaused);
  }

  /** Hands queued events to the sink until it pauses; settles it after the end event; then pulls. */
  #pumpSink(pull: boolean): void {
    while (this.#sink !== null && !this.#sinkBusy && !this.#sinkPaused) {
      const event = this.#queue.shift();
      if (event === undefined) break;
      this.#toSink(event);
    }
    if (this.#sink === null || this.#sinkBusy || this.#sinkPaused) return;
    if (this.#sinkGotEnd) {
      const settle = this.#settleSink;
      this.#sink = null;
      this.#settleSink = null;
      settle?.resolve(this.#end!);
      return;
    }
    if (pull) this.#drive();
  }

  #toSink(event: StreamEvent): void {
    this.#sinkBusy = true;
    let result: unknown;
    try {
      result = this.#sink!(event);
    } catch (error) {
      this.#sinkBusy = false;
      this.#sinkFailed(error);
      return;
    }
    this.#sinkBusy = false;
    if (event === this.#end) this.#sinkGotEnd = true;
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    ) {
      this.#sinkPaused = true;
      (result as PromiseLike<unknown>).then(this.#resumeSink, this.#sinkFailed);
    }
  }

  readonly #resumeSink = (): void => {
    this.#sinkPaused = false;
    this.#pumpSink(true);
  };

  readonly #sinkFailed = (error: unknown): void => {
    const settle = this.#settleSink;
    this.#settleSink = null;
    this.#sink = null;
    this.cancel('consumer_stopped');
    this.#queue.length = 0;
    settle?.reject(error);
  };

  return(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.cancel('consumer_stopped');
    this.#queue.length = 0;
    return Promise.resolve(doneResult);
  }

  cancel(reason = 'cancelled'): boolean {
    if (this.#phase === 'ended') return false;
    const permit = this.#permit;
    this.#permit = null;
    this.#flush();
    const event: StreamCancelledEvent = {
      type: 'cancelled',
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      reason,
      usage: this.#usage(true),
    };
    this.#finish(event);
    this.#closeUpstream();
    permit?.release();
    return true;
  }

  info(): ActiveStreamInfo {
    const now = this.#clock();
    const total = this.#phase === 'ended' ? this.#lastTotal : this.#currentTotal();
    return {
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      phase: this.#phase === 'connecting' ? 'connecting' : 'streaming',
      attempts: this.#attempts,
      started_at: this.#startedAt,
      elapsed_seconds: (now - this.#startedAt) / 1000,
      chunk_number: this.#chunkNumber,
      total_tokens: total,
      progress_percent: this.#progress(total),
      ttft_ms: this.#firstTokenAt === null ? null : this.#firstTokenAt - this.#startedAt,
      tokens_per_second: this.#tokensPerSecond(total, now),
      metadata: this.#options.metadata,
    };
  }

  readonly #onAbort = (): void => {
    this.cancel('aborted');
  };

  readonly #wait = (resolve: Waiter): void => {
    this.#waiter = resolve;
    this.#drive();
  };

  /** Moves the stream forward while the reader waits: flush a due buffer, or pull upstream. */
  #drive(): void {
    if (this.#phase === 'ended' || !this.#ready()) return;
    if (this.#bufferText !== '') {
      const dueIn = this.#bufferStartedAt + this.#options.bufferDelayMs - this.#clock();
      if (dueIn <= 0) {
        this.#flush();
        // A pending next() took the chunk; a sink is ready again at once and keeps pulling.
        if (this.#isEnded() || !this.#ready()) return;
      } else if (this.#flushTimer === null) this.#armFlushTimer(dueIn);
    }
    const iterator = this.#iterator;
    if (iterator === null || this.#pulling) return;
    this.#pulling = true;
    let pending: Promise<IteratorResult<ProviderEvent>>;
    try {
      pending = iterator.next();
    } catch (error) {
      this.#onUpstreamError(error);
      return;
    }
    // One pull is in flight at a time and a new attempt starts only after the last one settled,
    // so a result is stale only once the stream has ended.
    pending.then(this.#onResult, this.#onError);
  }

  readonly #onResult = (result: IteratorResult<ProviderEvent>): void => {
    this.#onUpstreamResult(result);
  };

  readonly #onError = (error: unknown): void => {
    this.#onUpstreamError(error);
  };

  readonly #onFlushTimer = (): void => {
    this.#flushTimer = null;
    if (this.#phase === 'ended' || !this.#ready() || this.#bufferText === '') return;
    // The timer outlives flushes by size (re-arming per chunk would cost more than the chunk), so check it is due.
    const dueIn = this.#bufferStartedAt + this.#options.bufferDelayMs - this.#clock();
    if (dueIn > 0) {
      this.#armFlushTimer(dueIn);
      return;
    }
    this.#flush();
    this.#drive();
  };

  #onUpstreamResult(result: IteratorResult<ProviderEvent>): void {
    if (this.#phase === 'ended') return;
    this.#pulling = false;
    if (result.done) {
      this.#complete();
      return;
    }
    const event = result.value;
    if (event.type === 'text') {
      if (event.text !== '') this.#onText(event.text);
    } else if (event.type === 'usage') {
      if (event.outputTokens !== undefined) {
        this.#reportedOutput = event.outputTokens;
        this.#quartersAtReport = this.#quarters;
      }
      if (event.inputTokens !== undefined) this.#reportedInput = event.inputTokens;
    } else if (event.type === 'finish') this.#finishReason = event.reason;
    this.#drive();
  }

  #onText(text: string): void {
    const estimate = this.#estimate;
    this.#quarters += estimate === undefined ? tokenQuarters(text) : estimate(text) * 4;
    let first = false;
    if (this.#firstTokenAt === null) {
      this.#firstTokenAt = this.#clock();
      this.#phase = 'streaming';
      first = !this.#holdFirstToken;
    }
    if (this.#bufferTokens === 0 || first) {
      this.#emitChunk(text);
      return;
    }
    if (this.#bufferText === '') this.#bufferStartedAt = this.#clock();
    this.#bufferText += text;
    if (
      this.#currentTotal() - this.#lastTotal >= this.#bufferTokens ||
      tokensIn(this.#quarters - this.#quartersAtFlush) >= this.#bufferTokens
    ) {
      this.#flush();
    }
  }

  #armFlushTimer(delayMs: number): void {
    this.#flushTimer = setTimeout(this.#onFlushTimer, delayMs);
    // A buffer waiting for its deadline must not hold the process open on its own.
    this.#flushTimer.unref?.();
  }

  /** Turns the buffered text into one chunk event. */
  #flush(): void {
    if (this.#bufferText === '') return;
    const content = this.#bufferText;
    this.#bufferText = '';
    this.#emitChunk(content);
  }

  #emitChunk(content: string): void {
    const now = this.#clock();
    // Re-based on the provider's latest cumulative count, so it may drop below the previous estimate.
    const total = this.#currentTotal();
    const previous = this.#lastTotal;
    this.#lastTotal = total;
    this.#quartersAtFlush = this.#quarters;
    this.#deliver({
      type: 'chunk',
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      chunk_number: ++this.#chunkNumber,
      content,
      tokens_in_chunk: total > previous ? total - previous : 0,
      total_tokens: total,
      elapsed_seconds: this.#elapsedSecondsAt(now),
      progress_percent: this.#progress(total),
      timestamp: now,
    } satisfies StreamChunkEvent);
  }

  #deliver(event: StreamEvent): void {
    this.#hooks?.emit(event);
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter({ done: false, value: event });
      return;
    }
    if (this.#sink !== null && this.#queue.length === 0 && !this.#sinkBusy && !this.#sinkPaused) {
      // The common case: hand the event straight to a ready sink, without queueing it.
      this.#toSink(event);
      if (this.#queue.length > 0 || this.#sinkGotEnd) this.#pumpSink(false);
      return;
    }
    this.#queue.push(event);
    if (this.#sink !== null) this.#pumpSink(false);
  }

  #complete(): void {
    const permit = this.#permit;
    this.#permit = null;
    this.#flush();
    const now = this.#clock();
    const usage = this.#usage(false);
    const event: StreamCompleteEvent = {
      type: 'complete',
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      total_tokens: usage.output_tokens,
      usage,
      ttft_ms: this.#firstTokenAt === null ? null : this.#firstTokenAt - this.#startedAt,
      duration_ms: now - this.#startedAt,
      tokens_per_second: this.#tokensPerSecond(usage.output_tokens, now),
      finish_reason: this.#finishReason,
    };
    this.#iterator = null;
    this.#finish(event);
    permit?.success();
  }

  #onUpstreamError(error: unknown): void {
    if (this.#phase === 'ended') return;
    this.#pulling = false;
    this.#iterator = null;
    const permit = this.#permit;
    this.#permit = null;
    if (this.#firstTokenAt === null) {
      // Nothing reached the reader yet, so another attempt is invisible to it.
      this.#closeUpstream();
      permit?.failure(error);
      void this.#connect(error);
      return;
    }
    this.#flush();
    const failure = describeUpstreamFailure(error, this.#clock());
    this.#fail(
      {
        code: 'STREAM_INTERRUPTED',
        message: `The upstream failed after the first token: ${failure.message}`,
        retryable: failure.retryable,
        status: failure.status,
        retryAfterMs: failure.retryAfterMs,
        cause: error,
      },
      this.#usage(true),
    );
    this.#closeUpstream();
    permit?.failure(error);
  }

  #fail(failure: LastFailure, usage: StreamUsage): void {
    const error = new StreamError(failure.code, failure.message, {
      retryable: failure.retryable,
      status: failure.status,
      retryAfterMs: failure.retryAfterMs,
      attempts: this.#attempts,
      cause: failure.cause,
    });
    const event: StreamErrorEvent = {
      type: 'error',
      stream_id: this.id,
      model: this.#model,
      provider: this.#provider,
      code: failure.code,
      message: failure.message,
      retryable: failure.retryable,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.retryAfterMs === undefined ? {} : { retry_after_ms: failure.retryAfterMs }),
      usage,
      error,
    };
    this.#finish(event);
  }

  #finish(event: StreamEndEvent): void {
    this.#phase = 'ended';
    this.#end = event;
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    this.#stopSleeping();
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#deliver(event);
    this.#hooks?.ended(this);
    this.#resolveDone?.(event);
    this.#resolveDone = null;
  }

  #closeUpstream(): void {
    const iterator = this.#iterator;
    this.#iterator = null;
    this.#controller?.abort();
    this.#controller = null;
    if (iterator?.return !== undefined) {
      // Closing is best effort: the abort above already tears the request down.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => undefined);
    }
  }

  /**
   * Opens the current source, or — after `failedWith` — decides between a retry of the same
   * source (with backoff), a failover to the next one, or the final error.
   */
  async #connect(failedWith: unknown): Promise<void> {
    if (this.#connecting) return;
    this.#connecting = true;
    try {
      let failure = failedWith;
      let rejection: GuardRejection | undefined;
      for (;;) {
        if (failure !== undefined || rejection !== undefined) {
          const next = await this.#recover(failure, rejection);
          failure = undefined;
          rejection = undefined;
          if (!next) return;
        }
        if (this.#phase === 'ended') return;
        const entry = this.#options.entries[this.#entryIndex]!;
        let permit: GuardPermit | null = null;
        if (entry.guard !== undefined) {
          const acquired = await acquirePermit(entry.guard, neverAborted);
          if (this.#isEnded()) {
            if (acquired.ok) acquired.release();
            return;
          }
          if (!acquired.ok) {
            rejection = acquired;
            continue;
          }
          permit = acquired;
        }
        this.#attempts++;
        this.#resetAttemptCounters();
        const controller = new AbortController();
        this.#controller = controller;
        try {
          const iterable = await entry.source.open(controller.signal);
          if (this.#isEnded()) {
            permit?.release();
            void Promise.resolve()
              .then(() => iterable[Symbol.asyncIterator]().return?.())
              .catch(() => undefined);
            return;
          }
          this.#permit = permit;
          this.#iterator = iterable[Symbol.asyncIterator]();
          this.#connecting = false;
          this.#drive();
          return;
        } catch (error) {
          if (this.#isEnded()) {
            permit?.release();
            return;
          }
          controller.abort();
          permit?.failure(error);
          failure = error;
        }
      }
    } finally {
      this.#connecting = false;
    }
  }

  /** Returns true when another attempt should start (after any backoff), false when the stream ended. */
  async #recover(error: unknown, rejection: GuardRejection | undefined): Promise<boolean> {
    const retry = this.#options.retry;
    let canRetry = false;
    let retryAfterMs: number | undefined;
    if (rejection !== undefined) {
      retryAfterMs = rejection.retryAfterMs;
      this.#lastFailure = {
        code: 'CIRCUIT_OPEN',
        message: `${this.#provider}/${this.#model} is guarded by an open circuit: ${rejection.error.message}`,
        retryable: true,
        status: undefined,
        retryAfterMs,
        cause: rejection.error,
      };
    } else {
      const failure = describeUpstreamFailure(error, this.#clock());
      const retryable =
        retry.isRetryable === undefined ? failure.retryable : retry.isRetryable(error);
      retryAfterMs = failure.retryAfterMs;
      this.#lastFailure = {
        code: failure.rateLimited ? 'RATE_LIMITED' : 'UPSTREAM_ERROR',
        message: failure.message,
        retryable,
        status: failure.status,
        retryAfterMs,
        cause: error,
      };
      canRetry =
        retryable &&
        this.#retriesOnEntry < retry.maxRetries &&
        (retryAfterMs === undefined || retryAfterMs <= retry.maxRetryAfterMs);
    }
    const last = this.#lastFailure;
    // A guard that would refuse the retry (a 429 just opened the circuit) is not waited out.
    const guardRefuses = canRetry && this.#guardWouldRefuse();
    if (guardRefuses) canRetry = false;
    if (canRetry) {
      const delayMs = backoffDelayMs(
        retry,
        this.#retriesOnEntry,
        retryAfterMs,
        this.#options.random,
      );
      this.#retriesOnEntry++;
      this.#hooks?.emit({
        type: 'retry',
        stream_id: this.id,
        model: this.#model,
        provider: this.#provider,
        attempt: this.#retriesOnEntry + 1,
        delay_ms: delayMs,
        code: last.code,
        message: last.message,
      });
      if (delayMs > 0) await this.#sleep(delayMs);
      return this.#phase !== 'ended';
    }
    const next = this.#options.entries[this.#entryIndex + 1];
    // A refusal by the guard always moves on; an upstream error only when the policy says it is the provider's failure.
    const moveOn =
      rejection !== undefined || guardRefuses || this.#options.failover.shouldFailover(error);
    if (next === undefined || !moveOn) {
      this.#fail(last, this.#usage(true));
      return false;
    }
    const from = this.#source;
    this.#entryIndex++;
    this.#retriesOnEntry = 0;
    this.#source = next.source;
    this.#model = next.source.model;
    this.#provider = next.source.provider;
    this.#setProgressBasis(this.#basisOf(next.source));
    this.#hooks?.emit({
      type: 'failover',
      stream_id: this.id,
      model: next.source.model,
      provider: next.source.provider,
      from_model: from.model,
      from_provider: from.provider,
      code: last.code,
      message: last.message,
    });
    return true;
  }

  /**
   * Whether the current source's guard would refuse an attempt now. A permit guard is asked for
   * a permit, released at once (it records nothing); an `execute()` guard is read by its `state`.
   */
  #guardWouldRefuse(): boolean {
    const guard = this.#options.entries[this.#entryIndex]!.guard;
    if (guard === undefined) return false;
    if ('tryAcquire' in guard && typeof guard.tryAcquire === 'function') {
      const answer = guard.tryAcquire();
      if (!answer.ok) return true;
      answer.release();
      return false;
    }
    return (guard as { state?: unknown }).state === 'OPEN';
  }

  /** A method, not a field read, so TypeScript does not keep a narrowing across an await. */
  #isEnded(): boolean {
    return this.#phase === 'ended';
  }

  #sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(() => {
        this.#sleepTimer = null;
        this.#wake = null;
        resolve();
      }, delayMs);
    });
  }

  #stopSleeping(): void {
    if (this.#sleepTimer !== null) clearTimeout(this.#sleepTimer);
    this.#sleepTimer = null;
    this.#wake?.();
    this.#wake = null;
  }

  #resetAttemptCounters(): void {
    this.#quarters = 0;
    this.#reportedOutput = undefined;
    this.#quartersAtReport = 0;
    this.#quartersAtFlush = 0;
    this.#reportedInput = undefined;
    this.#finishReason = null;
  }

  #currentTotal(): number {
    return this.#reportedOutput === undefined
      ? tokensIn(this.#quarters)
      : this.#reportedOutput + tokensIn(this.#quarters - this.#quartersAtReport);
  }

  #usage(forceEstimated: boolean): StreamUsage {
    const textSinceReport = this.#quarters - this.#quartersAtReport > 4e-9;
    const promptChars = this.#source.promptChars;
    const input =
      this.#reportedInput ?? (promptChars === undefined ? 0 : Math.ceil(promptChars / 4));
    return {
      input_tokens: input,
      output_tokens: this.#currentTotal(),
      estimated:
        forceEstimated ||
        this.#reportedInput === undefined ||
        this.#reportedOutput === undefined ||
        textSinceReport,
    };
  }

  #basisOf(source: ProviderStreamSource): number | undefined {
    const basis = this.#options.expectedTokens ?? source.maxTokens;
    return basis !== undefined && basis > 0 ? basis : undefined;
  }

  #setProgressBasis(basis: number | undefined): void {
    this.#progressBasis = basis;
    this.#progressLow = Number.POSITIVE_INFINITY;
    this.#progressHigh = Number.NEGATIVE_INFINITY;
  }

  /** Percent of the basis in tenths, capped at 100; null without a basis. */
  #progress(total: number): number | null {
    // Most chunks leave the rounded percent unchanged: two comparisons instead of a division.
    if (total > this.#progressLow && total < this.#progressHigh) return this.#progressValue;
    const basis = this.#progressBasis;
    if (basis === undefined) return null;
    const tenths = Math.round((total * 1000) / basis);
    // The band of totals whose quotient rounds to `tenths` again, narrowed by a millionth of a
    // tenth at each end: far more than the division's rounding error, so inside it the result
    // is exactly what the division would give.
    const margin = 1e-6;
    if (tenths < 1000) {
      this.#progressValue = tenths / 10;
      this.#progressLow = ((tenths - 0.5 + margin) * basis) / 1000;
      this.#progressHigh = ((tenths + 0.5 - margin) * basis) / 1000;
    } else {
      this.#progressValue = 100;
      this.#progressLow = ((999.5 + margin) * basis) / 1000;
      this.#progressHigh = Number.POSITIVE_INFINITY;
    }
    return this.#progressValue;
  }

  /** Seconds since the start; computed once per clock reading, which chunks of one turn share. */
  #elapsedSecondsAt(now: number): number {
    if (now !== this.#elapsedAt) {
      this.#elapsedAt = now;
      this.#elapsedSeconds = (now - this.#startedAt) / 1000;
    }
    return this.#elapsedSeconds;
  }

  #tokensPerSecond(total: number, now: number): number | null {
    if (this.#firstTokenAt === null || total === 0) return 0;
    // All text within one clock reading (a cache hit, a coarse clock): no rate can be measured.
    if (now <= this.#firstTokenAt) return null;
    return Math.round((total / ((now - this.#firstTokenAt) / 1000)) * 10) / 10;
  }
}

const neverAborted = new AbortController().signal;

function ignore(): void {}
