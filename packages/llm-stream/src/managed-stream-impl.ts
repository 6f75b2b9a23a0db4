import type { ActiveStreamInfo } from './active-stream-info.js';
import type { AttemptFailure } from './attempt-policy.js';
import { type AttemptHost, AttemptRunner } from './attempt-runner.js';
import { EventChannel } from './event-channel.js';
import type { ManagedStream, StreamHooks } from './managed-stream.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';
import { StreamError } from './stream-error.js';
import type {
  StreamAttemptFailedEvent,
  StreamCompleteEvent,
  StreamEndEvent,
  StreamEvent,
  StreamEventBase,
  StreamFailoverEvent,
  StreamRetryEvent,
} from './stream-event.js';
import type { GuardPermit } from './stream-guard.js';
import type { ResolvedStreamOptions } from './stream-options.js';
import { StreamOutput } from './stream-output.js';
import { type ExpiredLimit, StreamWatchdog } from './stream-watchdog.js';
import { describeUpstreamFailure } from './upstream-failure.js';

/** Internal implementation shared by {@link createManagedStream} and the manager. */
export class ManagedStreamImpl
  implements ManagedStream, AsyncIterator<StreamEvent, undefined>, AttemptHost
{
  readonly id: string;
  readonly #options: ResolvedStreamOptions;
  readonly #hooks: StreamHooks | undefined;
  readonly #clock: () => number;
  readonly #channel: EventChannel<StreamEvent, StreamEndEvent>;
  readonly #output: StreamOutput;
  readonly #watchdog: StreamWatchdog;
  readonly #attempts: AttemptRunner;
  readonly #startedAt: number;

  #model: string;
  #provider: string;
  #phase: 'connecting' | 'streaming' | 'ended' = 'connecting';
  #opened = false;
  #iterator: AsyncIterator<ProviderEvent> | null = null;
  #controller: AbortController | null = null;
  #permit: GuardPermit | null = null;
  #pulling = false;
  #onResult: (result: IteratorResult<ProviderEvent>) => void = ignore;
  #onError: (error: unknown) => void = ignore;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;

  #end: StreamEndEvent | null = null;
  #done: Promise<StreamEndEvent> | null = null;
  #resolveDone: ((event: StreamEndEvent) => void) | null = null;

  constructor(options: ResolvedStreamOptions, hooks: StreamHooks | undefined) {
    this.id = options.id;
    this.#options = options;
    this.#hooks = hooks;
    this.#clock = options.clock;
    this.#channel = new EventChannel({
      demand: () => this.#drive(),
      readerStopped: () => this.cancel('consumer_stopped'),
    });
    this.#watchdog = new StreamWatchdog(
      options.limits,
      options.clock,
      () => this.#pulling,
      this.#onExpire,
    );
    this.#attempts = new AttemptRunner(this, options);
    const source = options.entries[0]!.source;
    this.#model = source.model;
    this.#provider = source.provider;
    this.#startedAt = options.clock();
    this.#output = new StreamOutput(this, options, this.#startedAt);
  }

  /** Emits `start` and wires the abort signal; called once the manager has registered the stream. */
  begin(): void {
    this.deliver({ type: 'start', ...this.#base(), timestamp: this.#startedAt });
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
    this.#channel.take();
    return this;
  }

  consume(onEvent: (event: StreamEvent) => unknown = ignore): Promise<StreamEndEvent> {
    if (typeof onEvent !== 'function') {
      return Promise.reject(new TypeError(`onEvent must be a function, got ${typeof onEvent}`));
    }
    try {
      this.#channel.take();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#open();
    return this.#channel.consume(onEvent);
  }

  next(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.#open();
    return this.#channel.next();
  }

  return(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.cancel('consumer_stopped');
    this.#channel.clear();
    return Promise.resolve({ done: true, value: undefined });
  }

  cancel(reason = 'cancelled'): boolean {
    if (this.#phase === 'ended') return false;
    const permit = this.#permit;
    this.#permit = null;
    this.#output.flush();
    this.#finish({ type: 'cancelled', ...this.#base(), reason, usage: this.#output.usage(true) });
    permit?.release();
    return true;
  }

  info(): ActiveStreamInfo {
    const now = this.#clock();
    const output = this.#output;
    const total = output.currentTotal();
    const firstContentAt = output.firstContentAt;
    return {
      streamId: this.id,
      model: this.#model,
      provider: this.#provider,
      phase: this.#phase === 'connecting' ? 'connecting' : 'streaming',
      attempts: this.#attempts.attempts,
      startedAt: this.#startedAt,
      elapsedSeconds: (now - this.#startedAt) / 1000,
      chunkNumber: output.chunkNumber,
      totalTokens: total,
      progressPercent: output.progress(total),
      ttftMs: firstContentAt === null ? null : firstContentAt - this.#startedAt,
      tokensPerSecond: output.tokensPerSecond(total, now),
      metadata: this.#options.metadata,
    };
  }

  // ---- AttemptHost: what the attempt loop calls back

  isEnded(): boolean {
    return this.#phase === 'ended';
  }

  now(): number {
    return this.#clock();
  }

  deadlineIn(): number {
    return this.#watchdog.deadlineIn(this.#clock());
  }

  emit(event: StreamAttemptFailedEvent | StreamRetryEvent | StreamFailoverEvent): void {
    this.#hooks?.emit(event);
  }

  attemptStarted(): void {
    this.#output.startAttempt(this.#attempts.source);
    this.#watchdog.attemptStarted();
  }

  attemptEnded(): void {
    this.#watchdog.attemptEnded();
  }

  useSource(source: ProviderStreamSource): void {
    this.#model = source.model;
    this.#provider = source.provider;
    this.#output.useSource(source);
  }

  opened(
    iterator: AsyncIterator<ProviderEvent>,
    controller: AbortController,
    permit: GuardPermit | null,
  ): void {
    this.#iterator = iterator;
    this.#controller = controller;
    this.#permit = permit;
    this.#pulling = false;
    // Handlers belong to one attempt: a pull left over from a timed-out attempt settles into nothing.
    this.#onResult = (result) => {
      if (this.#iterator === iterator) this.#onUpstreamResult(result);
    };
    this.#onError = (error) => {
      if (this.#iterator === iterator) this.#onUpstreamError(error);
    };
    this.#drive();
  }

  failed(failure: AttemptFailure, retryAfterMs: number | undefined, attempts: number): void {
    this.#fail(failure.code, failure.message, {
      retryable: failure.retryable,
      status: failure.status,
      retryAfterMs,
      attempts,
      cause: failure.cause,
    });
  }

  // ---- reading the upstream

  /** The upstream is opened on the first read, not at creation. */
  #open(): void {
    if (this.#opened || this.#phase === 'ended') return;
    this.#opened = true;
    this.#watchdog.start(this.#startedAt);
    this.#attempts.start();
  }

  /** Moves the stream forward while the reader waits: flush a due buffer, or pull upstream. */
  #drive(): void {
    if (this.#phase === 'ended' || !this.#channel.ready()) return;
    if (this.#output.holdsText) {
      const dueIn = this.#output.bufferDueIn(this.#clock());
      if (dueIn <= 0) {
        this.#output.flush();
        // A pending next() took the chunk; a sink is ready again at once and keeps pulling.
        if (this.isEnded() || !this.#channel.ready()) return;
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
    pending.then(this.#onResult, this.#onError);
  }

  #onUpstreamResult(result: IteratorResult<ProviderEvent>): void {
    if (this.#phase === 'ended') return;
    this.#pulling = false;
    if (result.done) {
      // The source finished: nothing is left to close, and an abort would only build an
      // AbortError (a DOMException with its stack) for every completed stream.
      this.#iterator = null;
      this.#controller = null;
      this.#complete();
      return;
    }
    try {
      this.#output.read(result.value);
    } catch (error) {
      // A broken part sequence is the source's failure, like an error it throws.
      this.#onUpstreamError(error);
      return;
    }
    this.#drive();
  }

  /** OutputHost: passes an event to the reader and the manager. */
  deliver(event: StreamEvent): void {
    this.#hooks?.emit(event);
    this.#channel.deliver(event, undefined);
  }

  /** OutputHost: content arrived; the first one ends the connecting phase. */
  content(): void {
    if (this.#phase === 'connecting') this.#phase = 'streaming';
    this.#watchdog.content();
  }

  #armFlushTimer(delayMs: number): void {
    this.#flushTimer = setTimeout(this.#onFlushTimer, delayMs);
    // A buffer waiting for its deadline must not hold the process open on its own.
    this.#flushTimer.unref?.();
  }

  readonly #onFlushTimer = (): void => {
    this.#flushTimer = null;
    this.#drive();
  };

  // ---- endings

  #complete(): void {
    const permit = this.#permit;
    this.#permit = null;
    this.#output.finishParts();
    const now = this.#clock();
    const output = this.#output;
    const usage = output.usage(false);
    const firstContentAt = output.firstContentAt;
    const reason = output.finishReason();
    const event: StreamCompleteEvent = {
      type: 'complete',
      ...this.#base(),
      totalTokens: usage.outputTokens,
      usage,
      ttftMs: firstContentAt === null ? null : firstContentAt - this.#startedAt,
      durationMs: now - this.#startedAt,
      tokensPerSecond: output.tokensPerSecond(usage.outputTokens, now),
      finishReason: reason.normalized,
      providerFinishReason: reason.raw,
    };
    this.#iterator = null;
    this.#finish(event);
    permit?.success();
  }

  #onUpstreamError(error: unknown): void {
    if (this.#phase === 'ended') return;
    this.#pulling = false;
    const permit = this.#permit;
    this.#permit = null;
    this.#closeUpstream();
    if (this.#output.firstContentAt === null) {
      // Nothing reached the reader yet, so another attempt is invisible to it.
      permit?.failure(error);
      this.#attempts.attemptFailed(error);
      return;
    }
    this.#output.flush();
    const failure = describeUpstreamFailure(error, this.#clock());
    this.#endMidStream(
      'STREAM_INTERRUPTED',
      `The upstream failed after the first token: ${failure.message}`,
      {
        retryable: failure.retryable,
        status: failure.status,
        retryAfterMs: failure.retryAfterMs,
        cause: error,
      },
    );
    permit?.failure(error);
  }

  readonly #onExpire = (limit: ExpiredLimit): void => {
    if (this.#phase === 'ended') return;
    if (limit === 'FIRST_TOKEN_TIMEOUT') {
      const error = new StreamError(
        limit,
        `${this.#provider}/${this.#model} sent no content within ${this.#options.limits.firstTokenTimeoutMs} ms`,
        { retryable: true, attempts: this.#attempts.attempts },
      );
      // Still opening: the attempt loop sees the abort; already open: fail the attempt here.
      if (this.#attempts.abortOpening(error)) return;
      this.#onUpstreamError(error);
      return;
    }
    const permit = this.#permit;
    this.#permit = null;
    this.#closeUpstream();
    this.#output.flush();
    const message =
      limit === 'IDLE_TIMEOUT'
        ? `${this.#provider}/${this.#model} sent nothing for ${this.#options.limits.idleTimeoutMs} ms after the first token; the output is incomplete`
        : `The stream ran past its deadline of ${this.#options.limits.deadlineMs} ms`;
    const error = new StreamError(limit, message, {
      retryable: true,
      attempts: this.#attempts.attempts,
    });
    this.#endMidStream(limit, message, { retryable: true, cause: error });
    permit?.failure(error);
  };

  /** Ends with an error after text may have reached the reader: the usage so far is an estimate. */
  #endMidStream(
    code: ExpiredLimit | 'STREAM_INTERRUPTED',
    message: string,
    details: { retryable: boolean; status?: number; retryAfterMs?: number; cause: unknown },
  ): void {
    this.emit({
      type: 'attempt_failed',
      ...this.#base(),
      attempt: this.#attempts.attemptOnSource,
      code,
      message,
      ...(details.status === undefined ? {} : { status: details.status }),
      next: 'none',
    });
    this.#fail(code, message, { ...details, attempts: this.#attempts.attempts });
  }

  #fail(
    code: StreamError['code'],
    message: string,
    details: {
      retryable: boolean;
      status?: number | undefined;
      retryAfterMs?: number | undefined;
      attempts: number;
      cause: unknown;
    },
  ): void {
    const error = new StreamError(code, message, details);
    this.#finish({
      type: 'error',
      ...this.#base(),
      code,
      message,
      retryable: details.retryable,
      ...(details.status === undefined ? {} : { status: details.status }),
      ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
      usage: this.#output.usage(true),
      error,
    });
  }

  #finish(event: StreamEndEvent): void {
    this.#phase = 'ended';
    this.#end = event;
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#watchdog.stop();
    this.#attempts.stop();
    this.#closeUpstream();
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#hooks?.emit(event);
    this.#channel.deliver(event, event);
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

  readonly #onAbort = (): void => {
    this.cancel('aborted');
  };

  // ---- arithmetic

  #base(): StreamEventBase {
    return { streamId: this.id, model: this.#model, provider: this.#provider };
  }
}

function ignore(): void {}
