// The Prometheus metrics of a service, fed by its publisher's and subscribers' events.
import type { Catalog, Publisher, Subscriber } from '@game-mesh/events';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service; names follow the conventions (`_total`, `_seconds`). */
export class EventMetrics {
  readonly registry = new Registry();
  readonly published = new Counter({ name: 'events_published_total', help: 'Events acknowledged by SNS (or logged in log-only mode).', labelNames: ['type'], registers: [this.registry] });
  readonly publishFailed = new Counter({ name: 'events_publish_failures_total', help: 'Publishes that did not reach SNS, by reason (contract, size, refusal, timeout).', labelNames: ['type', 'reason'], registers: [this.registry] });
  readonly consumed = new Counter({ name: 'events_consumed_total', help: 'Events handled successfully.', labelNames: ['type', 'queue'], registers: [this.registry] });
  readonly failed = new Counter({ name: 'events_failed_total', help: 'Handler failures (each one is retried or dead-lettered).', labelNames: ['type', 'queue'], registers: [this.registry] });
  readonly deadLettered = new Counter({
    name: 'events_dead_lettered_total',
    help: 'Messages moved to the DLQ, by reason; via="redrive" when the DLQ refused the copy and RedrivePolicy took it there.',
    labelNames: ['type', 'queue', 'code', 'via'],
    registers: [this.registry],
  });
  readonly deferred = new Counter({ name: 'events_deferred_total', help: 'Copies of an event put back while another copy was being handled.', labelNames: ['queue'], registers: [this.registry] });
  readonly released = new Counter({ name: 'events_released_total', help: 'Messages given back to the queue at shutdown or after a late receive.', labelNames: ['queue'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'events_duplicates_total', help: 'Redeliveries suppressed by event id.', labelNames: ['type', 'queue'], registers: [this.registry] });
  readonly handlerDuration = new Histogram({
    name: 'event_handler_duration_seconds',
    help: 'Time spent in event handlers.',
    labelNames: ['type', 'queue'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'event_delivery_latency_seconds',
    help: 'From the event time (publish) to the end of its handler.',
    labelNames: ['type', 'queue'],
    // Up to 15 min: Prometheus alerts when events wait more than 300 s (the CloudWatch age alarm's twin).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 300, 900],
    registers: [this.registry],
  });
  readonly queueDepth: Gauge<'queue' | 'state'>;
  /** Read at scrape time from each observed subscriber: starvation shows before /ready fails. */
  private readonly oldestHandlers = new Map<string, () => number>();
  readonly oldestHandler = new Gauge({
    name: 'event_handler_oldest_running_seconds',
    help: 'How long the longest-running handler of each queue has held its slot (0: none runs).',
    labelNames: ['queue'],
    registers: [this.registry],
    collect: () => {
      for (const [queue, age] of this.oldestHandlers) this.oldestHandler.set({ queue }, age() / 1000);
    },
  });

  constructor(service: string, queueDepth?: () => Promise<Record<string, { visible: number; inFlight: number }>>) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.queueDepth = new Gauge({
      name: 'event_queue_messages',
      help: 'Messages in this service’s queues and DLQs (state: visible, in_flight).',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        if (!queueDepth) return;
        const depths = await queueDepth().catch(() => ({}) as Record<string, { visible: number; inFlight: number }>);
        for (const [queue, depth] of Object.entries(depths)) {
          this.set({ queue, state: 'visible' }, depth.visible);
          this.set({ queue, state: 'in_flight' }, depth.inFlight);
        }
      },
    });
  }

  /** Counts what a publisher does. */
  observePublisher<C extends Catalog>(publisher: Publisher<C>): void {
    publisher.on('published', ({ envelope }) => this.published.inc({ type: envelope.type }));
    publisher.on('publish-failed', ({ type, reason }) => this.publishFailed.inc({ type, reason }));
  }

  /**
   * Counts what a subscriber does; `queue` names it in every series. A type read off a message
   * that could not be decoded becomes a label only when the catalog has it (else "unknown"): made-up
   * types must not make new series.
   */
  observeSubscriber<C extends Catalog>(subscriber: Subscriber<C>, queue: string): void {
    const known = new Set(subscriber.eventTypes);
    this.oldestHandlers.set(queue, () => subscriber.oldestHandlerMs);
    subscriber.on('handled', ({ envelope, durationMs, latencyMs }) => {
      this.consumed.inc({ type: envelope.type, queue });
      this.handlerDuration.observe({ type: envelope.type, queue }, durationMs / 1000);
      this.deliveryLatency.observe({ type: envelope.type, queue }, Math.max(0, latencyMs) / 1000);
    });
    subscriber.on('failed', ({ envelope, durationMs }) => {
      this.failed.inc({ type: envelope.type, queue });
      this.handlerDuration.observe({ type: envelope.type, queue }, durationMs / 1000);
    });
    subscriber.on('dead-lettered', ({ type, code, via }) => this.deadLettered.inc({ type: type !== undefined && known.has(type) ? type : 'unknown', queue, code, via }));
    subscriber.on('deferred', () => this.deferred.inc({ queue }));
    subscriber.on('released', ({ messageIds }) => this.released.inc({ queue }, messageIds.length));
    subscriber.on('duplicate', ({ envelope }) => this.duplicates.inc({ type: envelope.type, queue }));
  }
}
