// Which event is being handled right now, so what a handler publishes carries it as cause and
// correlation.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEnvelope } from '../contract/envelope';

/** The event whose handler is running, for whatever that handler publishes. */
const handling = new AsyncLocalStorage<Pick<EventEnvelope, 'id' | 'correlationId'>>();

/** Runs `fn` as the handling of `event`: events published inside are caused by it. */
export function whileHandling<T>(event: Pick<EventEnvelope, 'id' | 'correlationId'>, fn: () => T): T {
  return handling.run({ id: event.id, correlationId: event.correlationId }, fn);
}

/**
 * The causation of an event published now: inside a handler, the handled event's id as
 * `causationId` and its `correlationId`; explicit values win.
 */
export function causationFor(explicit: { correlationId?: string | undefined; causationId?: string | undefined }): { correlationId?: string; causationId?: string } {
  const cause = handling.getStore();
  const correlationId = explicit.correlationId ?? cause?.correlationId;
  const causationId = explicit.causationId ?? cause?.id;
  return { ...(correlationId === undefined ? {} : { correlationId }), ...(causationId === undefined ? {} : { causationId }) };
}
