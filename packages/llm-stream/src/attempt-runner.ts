import {
  type AttemptFailure,
  decideNextStep,
  describeAttemptFailure,
  describeRejection,
} from './attempt-policy.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';
import type {
  StreamAttemptFailedEvent,
  StreamFailoverEvent,
  StreamRetryEvent,
} from './stream-event.js';
import { acquirePermit, type GuardPermit, type StreamGuard } from './stream-guard.js';
import type { ResolvedStreamOptions } from './stream-options.js';

/** What the attempt loop asks of its stream. */
export interface AttemptHost {
  readonly id: string;
  isEnded(): boolean;
  now(): number;
  /** Milliseconds left before the stream's deadline. */
  deadlineIn(): number;
  emit(event: StreamAttemptFailedEvent | StreamRetryEvent | StreamFailoverEvent): void;
  /** An attempt is about to be sent (its first-token timeout starts). */
  attemptStarted(): void;
  /** The attempt failed: only the deadline runs until the next one. */
  attemptEnded(): void;
  /** The failover moved the stream to `source`. */
  useSource(source: ProviderStreamSource): void;
  /** The attempt is open: read `iterator`; abort `controller` to close it; settle `permit` at the end. */
  opened(
    iterator: AsyncIterator<ProviderEvent>,
    controller: AbortController,
    permit: GuardPermit | null,
  ): void;
  /** Every attempt failed: end the stream with `failure`. */
  failed(failure: AttemptFailure, retryAfterMs: number | undefined, attempts: number): void;
}

/**
 * The attempt/failover loop before the first token: asks the source's guard for a permit, opens
 * the source, and after a failure applies {@link decideNextStep} — retry this source after a
 * delay, move to the next source, or end — emitting `attempt_failed`, `retry` and `failover`.
 */
export class AttemptRunner {
  readonly #host: AttemptHost;
  readonly #options: ResolvedStreamOptions;
  #entryIndex = 0;
  #retriesOnSource = 0;
  #attempts = 0;
  #running = false;
  #sleepTimer: ReturnType<typeof setTimeout> | null = null;
  #wake: (() => void) | null = null;
  /** The controller of an `open()` still pending. */
  #opening: AbortController | null = null;

  constructor(host: AttemptHost, options: ResolvedStreamOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** Upstream attempts made so far, refused permits not included. */
  get attempts(): number {
    return this.#attempts;
  }

  /** 1-based number of the current attempt on the current source. */
  get attemptOnSource(): number {
    return this.#retriesOnSource + 1;
  }

  get source(): ProviderStreamSource {
    return this.#options.entries[this.#entryIndex]!.source;
  }

  /** Aborts an `open()` still pending with `reason` (the first-token timeout); false when none is. */
  abortOpening(reason: unknown): boolean {
    if (this.#opening === null) return false;
    this.#opening.abort(reason);
    return true;
  }

  /** The stream ended: aborts a pending `open()` and wakes a backoff sleep so the loop sees it. */
  stop(): void {
    this.#opening?.abort();
    if (this.#sleepTimer !== null) clearTimeout(this.#sleepTimer);
    this.#sleepTimer = null;
    this.#wake?.();
    this.#wake = null;
  }

  /** Opens the first attempt. */
  start(): void {
    void this.#run(undefined);
  }

  /** The open attempt failed before its first content (its permit is already settled). */
  attemptFailed(error: unknown): void {
    void this.#run(this.#describe(error));
  }

  #describe(error: unknown): AttemptFailure {
    return describeAttemptFailure(
      error,
      this.#options.retry,
      this.#options.failover,
      this.#host.now(),
    );
  }

  async #run(firstFailure: AttemptFailure | undefined): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      let failure = firstFailure;
      for (;;) {
        if (failure !== undefined) {
          const proceed = await this.#recover(failure);
          failure = undefined;
          if (!proceed) return;
        }
        if (this.#host.isEnded()) return;
        const entry = this.#options.entries[this.#entryIndex]!;
        let permit: GuardPermit | null = null;
        if (entry.guard !== undefined) {
          const acquired = await acquirePermit(entry.guard, neverAborted);
          if (this.#host.isEnded()) {
            if (acquired.ok) acquired.release();
            return;
          }
          if (!acquired.ok) {
            failure = describeRejection(acquired, entry.source.provider, entry.source.model);
            continue;
          }
          permit = acquired;
        }
        this.#attempts++;
        const controller = new AbortController();
        this.#host.attemptStarted();
        this.#opening = controller;
        try {
          const iterable = await entry.source.open(controller.signal);
          this.#opening = null;
          if (this.#host.isEnded()) {
            permit?.release();
            controller.abort();
            return;
          }
          this.#running = false;
          this.#host.opened(iterable[Symbol.asyncIterator](), controller, permit);
          return;
        } catch (thrown) {
          this.#opening = null;
          if (this.#host.isEnded()) {
            permit?.release();
            return;
          }
          // A first-token timeout aborted the request: the timeout is the failure, not the abort error.
          const error = controller.signal.aborted ? controller.signal.reason : thrown;
          controller.abort();
          permit?.failure(error);
          failure = this.#describe(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** Emits the failed attempt and applies the rule; true when another attempt should start. */
  async #recover(failure: AttemptFailure): Promise<boolean> {
    const host = this.#host;
    host.attemptEnded();
    const source = this.source;
    const retry = this.#options.retry;
    const considersRetry = failure.retrySameSource && this.#retriesOnSource < retry.maxRetries;
    const step = decideNextStep(failure, {
      retry,
      retriesOnSource: this.#retriesOnSource,
      hasNextSource: this.#entryIndex + 1 < this.#options.entries.length,
      guardRefusesForMs: considersRetry ? this.#guardRefusesForMs() : 0,
      deadlineInMs: host.deadlineIn(),
      random: this.#options.random,
    });
    host.emit({
      type: 'attempt_failed',
      streamId: host.id,
      model: source.model,
      provider: source.provider,
      attempt: this.#retriesOnSource + 1,
      code: failure.code,
      message: failure.message,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      next: step.next,
    });
    if (step.next === 'none') {
      host.failed(failure, step.retryAfterMs, this.#attempts);
      return false;
    }
    if (step.next === 'retry') {
      this.#retriesOnSource++;
      host.emit({
        type: 'retry',
        streamId: host.id,
        model: source.model,
        provider: source.provider,
        attempt: this.#retriesOnSource + 1,
        delayMs: step.delayMs,
        code: failure.code,
        message: failure.message,
      });
      if (step.delayMs > 0) await this.#sleep(step.delayMs);
      return !host.isEnded();
    }
    this.#entryIndex++;
    this.#retriesOnSource = 0;
    const next = this.source;
    host.useSource(next);
    host.emit({
      type: 'failover',
      streamId: host.id,
      model: next.model,
      provider: next.provider,
      fromModel: source.model,
      fromProvider: source.provider,
      code: failure.code,
      message: failure.message,
    });
    return true;
  }

  /**
   * How long the current source's guard would refuse a permit: a permit guard is asked for one,
   * released at once (it records nothing); an `execute()` guard is read by its `state`.
   */
  #guardRefusesForMs(): number {
    const guard: StreamGuard | undefined = this.#options.entries[this.#entryIndex]!.guard;
    if (guard === undefined) return 0;
    if ('tryAcquire' in guard && typeof guard.tryAcquire === 'function') {
      const answer = guard.tryAcquire();
      if (answer.ok) {
        answer.release();
        return 0;
      }
      return answer.retryAfterMs > 0 ? answer.retryAfterMs : Number.POSITIVE_INFINITY;
    }
    return (guard as { state?: unknown }).state === 'OPEN' ? Number.POSITIVE_INFINITY : 0;
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
}

const neverAborted = new AbortController().signal;
