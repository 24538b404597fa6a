// One log line per publisher and subscriber event, with the event's ids.
import type { Catalog, Publisher, Subscriber } from '@game-mesh/events';
import type { ServiceLogger } from './logger';

/** One log line per event published and handled, with event id, type and correlation id. */
export function logPublisher<C extends Catalog>(publisher: Publisher<C>, logger: ServiceLogger): void {
  // In log-only mode the publisher has logged the whole event already.
  publisher.on('published', ({ envelope, durationMs, messageId }) =>
    messageId !== undefined &&
    logger.info({ eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, durationMs: round(durationMs) }, 'event published'),
  );
  publisher.on('publish-failed', ({ type, envelope, error, reason }) =>
    logger.error({ eventType: type, reason, err: error, ...(envelope ? { eventId: envelope.id, correlationId: envelope.correlationId } : {}) }, 'event not published'),
  );
}

export function logSubscriber<C extends Catalog>(subscriber: Subscriber<C>, logger: ServiceLogger, queue: string): void {
  subscriber.on('handled', ({ envelope, durationMs, latencyMs }) =>
    logger.info({ queue, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, durationMs: round(durationMs), latencyMs }, 'event handled'),
  );
  subscriber.on('transport-error', ({ operation, error }) => logger.warn({ queue, operation, err: error }, 'broker call failed'));
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
