import type { StreamErrorEvent, StreamEvent } from './stream-event.js';

/** A stream event as sent to clients: the event minus the server-side `error` object. */
export type WireEvent = Exclude<StreamEvent, StreamErrorEvent> | Omit<StreamErrorEvent, 'error'>;

/**
 * Drops what must not leave the server: the `error` object of an `error` event (its `cause` may hold
 * the provider's raw response). Everything else is plain data and passes through.
 */
export function toWireEvent(event: StreamEvent): WireEvent {
  if (event.type !== 'error') return event;
  const { error: _error, ...wire } = event;
  return wire;
}
