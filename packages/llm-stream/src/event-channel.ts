type Waiter<Event> = (result: IteratorResult<Event, undefined>) => void;

const doneResult = Object.freeze({ done: true, value: undefined }) as IteratorResult<
  never,
  undefined
>;

/** What a channel asks of the stream that feeds it. */
export interface ChannelFeed {
  /** The reader can take an event now: produce the next one (pull upstream, flush a buffer). */
  demand(): void;
  /** The reader stopped early (it broke out of its loop, or its callback failed). */
  readerStopped(): void;
}

/**
 * The single reader's side of a stream: events wait in a queue until the reader takes them,
 * either through `next()` (an async iterator) or through a callback (`consume`). The feed is asked
 * for more only while the reader waits, so a slow reader slows the producer and memory stays
 * bounded. The end event is the last one; after it the channel is done.
 */
export class EventChannel<Event, End extends Event> {
  readonly #feed: ChannelFeed;
  readonly #queue: Event[] = [];
  #taken = false;
  #endDelivered = false;
  #end: End | undefined;
  #waiter: Waiter<Event> | null = null;
  #sink: ((event: Event) => unknown) | null = null;
  /** The sink is running (a synchronous call) or waits for the promise it returned. */
  #sinkBusy = false;
  #sinkPaused = false;
  #sinkGotEnd = false;
  #settleSink: { resolve(end: End): void; reject(error: unknown): void } | null = null;

  constructor(feed: ChannelFeed) {
    this.#feed = feed;
  }

  /** Claims the single reader's place; a second claim throws. */
  take(): void {
    if (this.#taken) throw new TypeError('A managed stream has a single reader');
    this.#taken = true;
  }

  /** True while the reader can take an event now: a pending next(), or a sink that is free. */
  ready(): boolean {
    return this.#waiter !== null || (this.#sink !== null && !this.#sinkBusy && !this.#sinkPaused);
  }

  next(): Promise<IteratorResult<Event, undefined>> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve({ done: false, value: queued });
    if (this.#endDelivered) return Promise.resolve(doneResult);
    if (this.#waiter !== null) {
      return Promise.reject(new TypeError('next() called again before the previous read settled'));
    }
    return new Promise(this.#wait);
  }

  // One function for every read, so a read allocates only its promise.
  readonly #wait = (resolve: Waiter<Event>): void => {
    this.#waiter = resolve;
    this.#feed.demand();
  };

  /** Hands every event to `onEvent`; a returned promise pauses reading until it settles. */
  consume(onEvent: (event: Event) => unknown): Promise<End> {
    this.#sink = onEvent;
    return new Promise((resolve, reject) => {
      this.#settleSink = { resolve, reject };
      this.#pumpSink(true);
    });
  }

  /** Passes an event to the reader, or queues it; `end` marks the stream's last event. */
  deliver(event: Event, end: End | undefined): void {
    if (end !== undefined) {
      this.#endDelivered = true;
      this.#end = end;
    }
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

  /** The reader left: drop what it will never read. */
  clear(): void {
    this.#queue.length = 0;
  }

  /** Hands queued events to the sink until it pauses; settles it after the end event; then asks for more. */
  #pumpSink(demand: boolean): void {
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
      settle?.resolve(this.#end as End);
      return;
    }
    if (demand) this.#feed.demand();
  }

  #toSink(event: Event): void {
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
    this.#feed.readerStopped();
    this.#queue.length = 0;
    settle?.reject(error);
  };
}
