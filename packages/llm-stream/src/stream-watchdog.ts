/** The time limits of one stream, in milliseconds; Infinity turns one off. */
export interface StreamTimeLimits {
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly deadlineMs: number;
}

/** Which limit ran out. */
export type ExpiredLimit = 'FIRST_TOKEN_TIMEOUT' | 'IDLE_TIMEOUT' | 'DEADLINE_EXCEEDED';

/** How many checks the idle timeout is cut into: it fires within a quarter of it after the limit. */
const IDLE_CHECKS = 4;

/**
 * Watches a stream's three time limits with a single timer:
 * - the deadline, from the stream's start, retries and failover included;
 * - the first-token timeout, from an attempt's start to its first content;
 * - the idle timeout, after the first content: how long the stream may wait on the upstream for
 *   the next content. Time the reader spends not reading does not count (the upstream is not
 *   asked then), nor do events without content (usage, pings) reset it.
 * Content only sets a flag, so the hot path reads no clock: after the first content the timer
 * checks every quarter of the idle timeout whether content came or the stream was not waiting
 * on the upstream, and fires once a whole idle timeout passed without either (between 1 and 1.25
 * idle timeouts after the last content).
 */
export class StreamWatchdog {
  readonly #limits: StreamTimeLimits;
  readonly #clock: () => number;
  readonly #waitingOnUpstream: () => boolean;
  readonly #onExpire: (limit: ExpiredLimit) => void;
  #deadlineAt = Number.POSITIVE_INFINITY;
  #attemptStartedAt: number | null = null;
  #streaming = false;
  /** Content arrived since the last idle check. */
  #contentSinceCheck = false;
  /** The last check that saw content, or the stream not waiting on the upstream. */
  #activeAt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    limits: StreamTimeLimits,
    clock: () => number,
    waitingOnUpstream: () => boolean,
    onExpire: (limit: ExpiredLimit) => void,
  ) {
    this.#limits = limits;
    this.#clock = clock;
    this.#waitingOnUpstream = waitingOnUpstream;
    this.#onExpire = onExpire;
  }

  /** The stream started at `startedAt`: the deadline runs from there. */
  start(startedAt: number): void {
    this.#deadlineAt = startedAt + this.#limits.deadlineMs;
    this.#arm(this.#clock());
  }

  /** Milliseconds left before the deadline. */
  deadlineIn(now: number): number {
    return this.#deadlineAt - now;
  }

  /** An attempt was sent: the first-token timeout runs from now. */
  attemptStarted(): void {
    const now = this.#clock();
    this.#attemptStartedAt = now;
    this.#arm(now);
  }

  /** The attempt failed before its first content: only the deadline runs until the next one. */
  attemptEnded(): void {
    this.#attemptStartedAt = null;
    this.#arm(this.#clock());
  }

  /** Content arrived. The first one ends the first-token timeout and starts the idle checks. */
  content(): void {
    this.#contentSinceCheck = true;
    if (this.#streaming) return;
    this.#streaming = true;
    const now = this.#clock();
    this.#activeAt = now;
    this.#arm(now);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #dueAt(now: number): number {
    let due = this.#deadlineAt;
    if (this.#streaming) {
      due = Math.min(due, now + this.#limits.idleTimeoutMs / IDLE_CHECKS);
    } else if (this.#attemptStartedAt !== null) {
      due = Math.min(due, this.#attemptStartedAt + this.#limits.firstTokenTimeoutMs);
    }
    return due;
  }

  #arm(now: number): void {
    this.stop();
    const due = this.#dueAt(now);
    if (!Number.isFinite(due)) return;
    this.#timer = setTimeout(this.#check, Math.max(0, due - now));
    // The watchdog never keeps the process alive on its own.
    this.#timer.unref?.();
  }

  readonly #check = (): void => {
    this.#timer = null;
    const now = this.#clock();
    if (now >= this.#deadlineAt) {
      this.#onExpire('DEADLINE_EXCEEDED');
      return;
    }
    if (this.#streaming) {
      if (this.#contentSinceCheck || !this.#waitingOnUpstream()) this.#activeAt = now;
      this.#contentSinceCheck = false;
      if (now - this.#activeAt >= this.#limits.idleTimeoutMs) {
        this.#onExpire('IDLE_TIMEOUT');
        return;
      }
    } else if (
      this.#attemptStartedAt !== null &&
      now - this.#attemptStartedAt >= this.#limits.firstTokenTimeoutMs
    ) {
      this.#onExpire('FIRST_TOKEN_TIMEOUT');
      return;
    }
    this.#arm(now);
  };
}
