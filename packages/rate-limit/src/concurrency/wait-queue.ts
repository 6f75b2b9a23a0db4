import type { ConcurrencyAcquireReply } from './concurrency-store.js';

/** A call waiting for a slot of `key`. */
export interface Waiter {
  readonly key: string;
  /** The id its lease gets; every attempt of the waiter uses it, so a retry never takes two slots. */
  readonly leaseId: string;
  readonly limit: number;
  readonly startedAt: number;
}

/** What the queue asks of its limiter. */
export interface WaitQueueHooks<W extends Waiter> {
  /** First and last pause between two attempts for a key (doubling in between). */
  readonly minPollMs: number;
  readonly maxPollMs: number;
  /** One store attempt for the waiter at the head of its key's queue. */
  attempt(waiter: W): Promise<ConcurrencyAcquireReply>;
  /** The head got its slot: hand it over. */
  grant(waiter: W, reply: ConcurrencyAcquireReply): void;
  /** The head's store attempt failed: decide by `failMode`. */
  fail(waiter: W, error: unknown): void;
  /** Give back whatever an attempt took (or may still take) for a waiter that left. */
  discard(key: string, leaseId: string, attempt: Promise<ConcurrencyAcquireReply>): void;
}

/** How one waiter leaves the queue without a slot. */
export interface WaitOptions {
  readonly maxWaitMs: number;
  readonly signal: AbortSignal | undefined;
  /** From the store's last denial: no attempt needs to come later than this. */
  readonly nextExpiryMs: number | undefined;
  /** From the store's last denial, when the caller just asked. */
  readonly inFlight: number | undefined;
  /** Called with the key's last known in-flight count. */
  onTimeout(inFlight: number): void;
  onAbort(reason: unknown, inFlight: number): void;
}

interface Entry<W extends Waiter> {
  readonly waiter: W;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
}

interface KeyQueue<W extends Waiter> {
  readonly entries: Entry<W>[];
  /** In-flight count of the key's last store answer. */
  lastInFlight: number;
  /** Ends the pump's current pause early (a slot was released in this process). */
  wake: (() => void) | undefined;
  woken: boolean;
}

/**
 * Per-key FIFO queues of the calls of this process that wait for a slot. One pump per key
 * retries for the head of the queue only, so waiting costs one store call per pause per key,
 * however many calls wait. A release in this process wakes the pump at once; releases in
 * other processes are seen at the next attempt (polling with backoff, simpler and more robust
 * than pub/sub across a Redis Cluster).
 */
export class WaitQueue<W extends Waiter> {
  readonly #hooks: WaitQueueHooks<W>;
  readonly #queues = new Map<string, KeyQueue<W>>();

  constructor(hooks: WaitQueueHooks<W>) {
    this.#hooks = hooks;
  }

  size(key: string): number {
    return this.#queues.get(key)?.entries.length ?? 0;
  }

  lastInFlight(key: string): number {
    return this.#queues.get(key)?.lastInFlight ?? 0;
  }

  /** Queues `waiter`; answers how many wait for its key now. */
  add(waiter: W, options: WaitOptions): number {
    let queue = this.#queues.get(waiter.key);
    const startPump = queue === undefined;
    if (queue === undefined) {
      queue = { entries: [], lastInFlight: 0, wake: undefined, woken: false };
      this.#queues.set(waiter.key, queue);
    }
    const keyQueue = queue;
    if (options.inFlight !== undefined) keyQueue.lastInFlight = options.inFlight;
    const entry: Entry<W> = {
      waiter,
      signal: options.signal,
      timer: undefined,
      settled: false,
      onAbort: () => {
        this.#settle(keyQueue, entry);
        options.onAbort(options.signal?.reason, keyQueue.lastInFlight);
      },
    };
    entry.timer = setTimeout(() => {
      const inFlight = keyQueue.lastInFlight;
      this.#settle(keyQueue, entry);
      options.onTimeout(inFlight);
    }, options.maxWaitMs);
    options.signal?.addEventListener('abort', entry.onAbort, { once: true });
    keyQueue.entries.push(entry);
    const firstPause = Math.max(1, Math.min(this.#hooks.minPollMs, options.nextExpiryMs ?? 0));
    if (startPump) void this.#pump(waiter.key, keyQueue, firstPause);
    return keyQueue.entries.length;
  }

  /** A slot of `key` may be free: the key's pump tries again now. */
  wake(key: string): void {
    const queue = this.#queues.get(key);
    if (queue === undefined) return;
    queue.woken = true;
    queue.wake?.();
  }

  #settle(queue: KeyQueue<W>, entry: Entry<W>): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    entry.signal?.removeEventListener('abort', entry.onAbort);
    const index = queue.entries.indexOf(entry);
    if (index !== -1) queue.entries.splice(index, 1);
    // Nobody left: end the pump's pause so it exits now.
    if (queue.entries.length === 0) queue.wake?.();
  }

  async #pump(key: string, queue: KeyQueue<W>, firstPause: number): Promise<void> {
    const { minPollMs, maxPollMs } = this.#hooks;
    let delay = minPollMs;
    let pause = firstPause;
    try {
      while (queue.entries.length > 0) {
        if (pause > 0) await this.#pause(queue, pause);
        if (queue.woken) {
          queue.woken = false;
          delay = minPollMs;
        }
        const entry = queue.entries[0];
        if (entry === undefined) break;
        const { waiter } = entry;
        const attempt = this.#hooks.attempt(waiter);
        let reply: ConcurrencyAcquireReply;
        try {
          reply = await attempt;
        } catch (error) {
          this.#hooks.discard(key, waiter.leaseId, attempt);
          if (!entry.settled) {
            this.#settle(queue, entry);
            this.#hooks.fail(waiter, error);
          }
          pause = 0;
          continue;
        }
        queue.lastInFlight = reply.inFlight;
        if (entry.settled) {
          // The waiter timed out or aborted while its attempt was on its way.
          if (reply.acquired) this.#hooks.discard(key, waiter.leaseId, attempt);
          pause = 0;
          continue;
        }
        if (reply.acquired) {
          this.#settle(queue, entry);
          this.#hooks.grant(waiter, reply);
          pause = 0;
          delay = minPollMs;
          continue;
        }
        pause = Math.max(1, Math.min(delay, reply.nextExpiryMs));
        delay = Math.min(delay * 2, maxPollMs);
      }
    } finally {
      if (this.#queues.get(key) === queue) this.#queues.delete(key);
    }
  }

  #pause(queue: KeyQueue<W>, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      queue.wake = done;
    });
  }
}
