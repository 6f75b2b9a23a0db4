/** The time limits of one stream, in milliseconds; Infinity turns one off. */
export interface StreamTimeLimits {
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly deadlineMs: number;
}

/** Which limit ran out. */
export type ExpiredLimit = 'FIRST_TOKEN_TIMEOUT' | 'IDLE_TIMEOUT' | 'DEADLINE_EXCEEDED';

/**
 * Watches a stream's three time limits with a single timer:
 * - the deadline, from the stream's start, retries and failover included;
 * - the first-token timeout, from an attempt's start to its first content;
 * - the idle timeout, after the first content: how long the stream may wait on the upstream for
 *   the next content. Time the reader spends not reading does not count (the upstream is not
 *   asked then), nor do events without content (usage, pings) reset it.
 * Later content is recorded without touching the timer: it can only move a limit further
 * away, so the timer re-checks when it fires and re-arms for what is left.
 */
export class StreamWatchdog {
  readonly #limits: StreamTimeLimits;
  readonly #clock: () => number;
  readonly #onExpire: (limit: ExpiredLimit) => void;
  #deadlineAt = Number.POSITIVE_INFINITY;
  #attemptStartedAt: number | null = null;
  /** After the first content: since when the stream waits on the upstream; null while it does not. */
  #waitingSince: number | null = null;
  #streaming = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    limits: StreamTimeLimits,
    clock: () => number,
    onExpire: (limit: ExpiredLimit) => void,
  ) {
    this.#limits = limits;
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** The stream started at `now`: the deadline runs from here. */
  start(now: number): void {
    this.#deadlineAt = now + this.#limits.deadlineMs;
    this.#arm(now);
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

  /** Content arrived: the first-token timeout is over, and the idle timeout waits for the next pull. */
  content(): void {
    this.#waitingSince = null;
    if (this.#streaming) return;
    // The first content: from now on the idle timeout is what runs.
    this.#streaming = true;
    this.#arm(this.#clock());
  }

  /** The stream asks the upstream for more: the idle time counts from here unless it already does. */
  waiting(): void {
    if (this.#streaming && this.#waitingSince === null) this.#waitingSince = this.#clock();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #dueAt(): number {
    let due = this.#deadlineAt;
    if (this.#streaming) {
      // While the reader does not read, look again one idle period later.
      const since = this.#waitingSince ?? this.#clock();
      due = Math.min(due, since + this.#limits.idleTimeoutMs);
    } else if (this.#attemptStartedAt !== null) {
      due = Math.min(due, this.#attemptStartedAt + this.#limits.firstTokenTimeoutMs);
    }
    return due;
  }

  #arm(now: number): void {
    this.stop();
    const due = this.#dueAt();
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
      if (this.#waitingSince !== null && now - this.#waitingSince >= this.#limits.idleTimeoutMs) {
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
