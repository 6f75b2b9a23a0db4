/** Options of a window that keeps the last `size` outcomes. */
export interface CountWindowOptions {
  /** A window of the last `size` calls. */
  readonly type: 'count';
  /** Number of most recent calls the window holds (the default window holds 100). */
  readonly size: number;
}

/** Options of a window that keeps the outcomes of the last `durationMs`. */
export interface TimeWindowOptions {
  /** A window of the calls of the last `durationMs`. */
  readonly type: 'time';
  /** Length of the window in milliseconds. */
  readonly durationMs: number;
  /**
   * Number of buckets the window is split into; the window slides one bucket at a time.
   * @default 10
   */
  readonly buckets?: number;
}

/** The sliding window a breaker computes its failure and slow-call rates over. */
export type WindowOptions = CountWindowOptions | TimeWindowOptions;

/**
 * O(1) counters of calls, failures and slow calls over a sliding window.
 * @internal
 */
export interface OutcomeWindow {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  record(failure: boolean, slow: boolean, now: number): void;
  /** Drops outcomes that fell out of a time window. */
  refresh(now: number): void;
  reset(): void;
}

const FAILURE = 1;
const SLOW = 2;

/**
 * Ring buffer of the last `size` outcomes with running totals (subtract on evict).
 * @internal
 */
export class CountWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly outcomes: Uint8Array;
  private next = 0;

  constructor(readonly size: number) {
    this.outcomes = new Uint8Array(size);
  }

  record(failure: boolean, slow: boolean): void {
    const index = this.next;
    if (this.calls === this.size) {
      const evicted = this.outcomes[index]!;
      if (evicted & FAILURE) this.failures--;
      if (evicted & SLOW) this.slowCalls--;
    } else {
      this.calls++;
    }
    this.outcomes[index] = (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    if (failure) this.failures++;
    if (slow) this.slowCalls++;
    this.next = index + 1 === this.size ? 0 : index + 1;
  }

  refresh(): void {}

  reset(): void {
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.next = 0;
  }

  /** Copies the most recent outcomes of another count window (a runtime resize). */
  copyFrom(source: CountWindow): void {
    const keep = Math.min(source.calls, this.size);
    for (let offset = keep; offset > 0; offset--) {
      const index = (source.next - offset + source.size) % source.size;
      const outcome = source.outcomes[index]!;
      this.record((outcome & FAILURE) !== 0, (outcome & SLOW) !== 0);
    }
  }
}

/**
 * Fixed buckets of `durationMs / buckets` each with a running total; sliding advances
 * at most `buckets` slots, so every operation is O(1) in the number of calls.
 * @internal
 */
export class TimeWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly bucketMs: number;
  private readonly bucketCalls: Uint32Array;
  private readonly bucketFailures: Uint32Array;
  private readonly bucketSlow: Uint32Array;
  /** Absolute index (time / bucketMs) of the newest bucket. */
  private head = Number.NEGATIVE_INFINITY;

  constructor(
    readonly durationMs: number,
    readonly buckets: number,
  ) {
    this.bucketMs = durationMs / buckets;
    this.bucketCalls = new Uint32Array(buckets);
    this.bucketFailures = new Uint32Array(buckets);
    this.bucketSlow = new Uint32Array(buckets);
  }

  record(failure: boolean, slow: boolean, now: number): void {
    this.refresh(now);
    const slot = this.head % this.buckets;
    this.bucketCalls[slot]!++;
    this.calls++;
    if (failure) {
      this.bucketFailures[slot]!++;
      this.failures++;
    }
    if (slow) {
      this.bucketSlow[slot]!++;
      this.slowCalls++;
    }
  }

  refresh(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    if (index <= this.head) return;
    if (index - this.head >= this.buckets) {
      this.clear();
    } else {
      for (let absolute = this.head + 1; absolute <= index; absolute++) {
        const slot = absolute % this.buckets;
        this.calls -= this.bucketCalls[slot]!;
        this.failures -= this.bucketFailures[slot]!;
        this.slowCalls -= this.bucketSlow[slot]!;
        this.bucketCalls[slot] = 0;
        this.bucketFailures[slot] = 0;
        this.bucketSlow[slot] = 0;
      }
    }
    this.head = index;
  }

  reset(): void {
    this.clear();
    this.head = Number.NEGATIVE_INFINITY;
  }

  private clear(): void {
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.bucketCalls.fill(0);
    this.bucketFailures.fill(0);
    this.bucketSlow.fill(0);
  }
}

/** @internal */
export function createOutcomeWindow(options: WindowOptions): OutcomeWindow {
  return options.type === 'count'
    ? new CountWindow(options.size)
    : new TimeWindow(options.durationMs, options.buckets ?? 10);
}
