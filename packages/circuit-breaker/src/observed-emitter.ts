import { EventEmitter } from 'eventemitter3';
import type { BreakerEvents } from './breaker-events.js';

type EventName = EventEmitter.EventNames<BreakerEvents>;
type Listener<T extends EventName> = EventEmitter.EventListener<BreakerEvents, T>;

/** One bit per event, so "does anyone listen?" is a single AND on the hot path. @internal */
export const EVENT_BITS: Readonly<Record<keyof BreakerEvents, number>> = {
  stateChange: 1,
  success: 2,
  failure: 4,
  rejected: 8,
  ignored: 16,
  slowCall: 32,
};

/**
 * An eventemitter3 emitter that tells subclasses when its listeners change, so they can
 * cache which events anyone listens to instead of asking on every call.
 * @internal
 */
export class ObservedEmitter extends EventEmitter<BreakerEvents> {
  /** Called after any listener is added or removed. */
  protected listenersChanged(): void {}

  /** Bit mask of the events that have at least one listener here. */
  listenedEvents(): number {
    let mask = 0;
    for (const name of this.eventNames()) mask |= EVENT_BITS[name as keyof BreakerEvents] ?? 0;
    return mask;
  }

  override on<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.on(event, fn, context);
    this.listenersChanged();
    return this;
  }

  override addListener<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.once(event, fn, context);
    this.listenersChanged();
    return this;
  }

  override removeListener<T extends EventName>(
    event: T,
    fn?: Listener<T>,
    context?: unknown,
    once?: boolean,
  ): this {
    super.removeListener(event, fn, context, once);
    this.listenersChanged();
    return this;
  }

  override off<T extends EventName>(
    event: T,
    fn?: Listener<T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.removeListener(event, fn, context, once);
  }

  override removeAllListeners(event?: EventName): this {
    super.removeAllListeners(event);
    this.listenersChanged();
    return this;
  }
}
