import { StoreTimeoutError } from './store-timeout-error.js';

interface Pending {
  readonly deadline: number;
  reject: ((error: Error) => void) | undefined;
}

/**
 * Puts a deadline on promises without a timer per call: every call shares one timeout, so
 * deadlines arrive in order and one timer, armed for the oldest pending call, serves them all.
 *
 * A timer that fires late means the event loop was blocked: replies may be waiting unread in
 * the socket. Before failing anything, the queue then lets the loop run once more for as long
 * as it was late (at most one timeout), so a reply that arrived wins over a late timer. A
 * call therefore settles within `timeoutMs` plus the time the loop spent blocked, plus that
 * grace.
 */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer is due. */
  #dueAt = 0;
  /** Whether the current timer is the grace after a late one. */
  #grace = false;

  constructor(timeoutMs: number, clock: () => number = Date.now) {
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /** `promise`, or a rejection with {@link StoreTimeoutError} once the timeout elapses first. */
  wrap<T>(promise: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { deadline: this.#clock() + this.#timeoutMs, reject };
      this.#queue.push(pending);
      if (this.#timer === undefined) this.#arm(this.#timeoutMs);
      promise.then(
        (value) => {
          if (pending.reject === undefined) return;
          pending.reject = undefined;
          resolve(value);
        },
        (error: unknown) => {
          if (pending.reject === undefined) return;
          pending.reject = undefined;
          reject(error);
        },
      );
    });
  }

  #arm(delayMs: number): void {
    const delay = Math.max(1, delayMs);
    this.#dueAt = this.#clock() + delay;
    this.#timer = setTimeout(() => this.#sweep(), delay);
    this.#timer.unref?.();
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = this.#clock();
    const late = now - this.#dueAt;
    if (late > 1 && !this.#grace) {
      // Timers run before I/O in a loop turn: read what arrived during the stall first.
      this.#grace = true;
      this.#arm(Math.min(late, this.#timeoutMs));
      return;
    }
    this.#grace = false;
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length) {
      const pending = queue[head] as Pending;
      if (pending.reject !== undefined) {
        if (pending.deadline > now) break;
        const reject = pending.reject;
        pending.reject = undefined;
        reject(new StoreTimeoutError(this.#timeoutMs));
      }
      head++;
    }
    if (head === queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    // Compact once the settled prefix dominates, so the array never grows without bound.
    if (head > 1024 && head > queue.length / 2) {
      this.#queue = queue.slice(head);
      head = 0;
    }
    this.#head = head;
    this.#arm((this.#queue[head] as Pending).deadline - now);
  }
}
