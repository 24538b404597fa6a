// One call of a batch handler (subscribeBatch): the events of one type from one receive, in one
// span, then each event settled on its own. The steps a single event shares with the per-event
// path (complete and delete, retry or dead-letter, heartbeat, abandonment) are the pipeline's.
import { context as otelContext, trace, type Context } from '@opentelemetry/api';
import type { EventEnvelope } from '../../contract/envelope';
import type { Logger } from '../logger';
import { endMessagingSpan, linksTo, startMessagingSpan } from '../tracing';
import { HandlerTimeoutError, withinTimeout } from './handlerErrors';
import type { Lease } from './InFlightMessages';
import type { Claimed, Registration } from './registration';
import type { BatchContext, BatchResult } from './types';

/** What a batch borrows from the pipeline, per event. */
export interface BatchSteps {
  /** Keeps the message invisible (one ChangeMessageVisibilityBatch serves the batch) and its claim held. */
  keepAlive(item: Claimed): () => void;
  /** The event was applied: completed in the store, told, deleted. */
  succeeded(item: Claimed, started: number, traceContext: Context): Promise<void>;
  /** The event failed: retried with its own receive count, or dead-lettered with its own reason. */
  failed(item: Claimed, error: unknown, started: number): Promise<void>;
  /** Its handler outlived its timeout: the claim stays held until `running` ends. */
  abandon(item: Claimed, running: Promise<unknown>): void;
  /** Aborted when shutdown's deadline passes. */
  shutdownSignal(): AbortSignal;
  logger: Logger;
}

export type BatchFunction = (events: readonly EventEnvelope[], context: BatchContext) => BatchResult | Promise<BatchResult>;

/**
 * Runs a batch handler over `items` (one type, in the order received) in one `process` span linked
 * to each event's publish span. Each event then settles on its own: the ones it reports failed (or
 * all, when it throws or times out) are retried or dead-lettered with their own receive count and
 * reason; the rest are completed and deleted together (the DeleteBatcher sends them in one call).
 * `done` hears of each event as it comes to its end.
 */
export async function runBatchHandler(steps: BatchSteps, registration: Registration, handler: BatchFunction, items: readonly Claimed[], done: (lease: Lease, error?: unknown) => void): Promise<void> {
  const started = performance.now();
  const stops = items.map((item) => steps.keepAlive(item));
  const span = startMessagingSpan(registration.spanShape, otelContext.active(), linksTo(items.map((item) => item.traceparent)));
  if (span.isRecording()) span.setAttribute('messaging.batch.message_count', items.length);
  const traceContext = trace.setSpan(otelContext.active(), span);
  const timeoutMs = registration.handlerTimeoutMs;
  const timeout = timeoutMs === undefined ? undefined : new AbortController();
  const signal = timeout ? AbortSignal.any([steps.shutdownSignal(), timeout.signal]) : steps.shutdownSignal();
  const context: BatchContext = {
    messages: items.map(({ lease, traceparent }) => ({ messageId: lease.messageId, receiveCount: lease.receiveCount, traceparent })),
    traceContext,
    signal,
    causedBy: (event) => ({ causationId: event.id, correlationId: event.correlationId }),
  };
  const running = invoke(() => otelContext.with(traceContext, () => handler(items.map((item) => item.envelope), context)));
  let failures: Map<string, unknown>;
  try {
    const result = await (timeout && timeoutMs !== undefined ? withinTimeout(running, timeoutMs, items[0]?.envelope.id ?? '', timeout) : running);
    failures = failuresOf(result, items, steps.logger);
  } catch (error) {
    const timedOut = error instanceof HandlerTimeoutError;
    failures = new Map(items.map((item) => [item.envelope.id, timedOut ? new HandlerTimeoutError(item.envelope.id, error.timeoutMs, `did not settle (in a batch of ${items.length})`) : error]));
    if (timedOut) {
      // Each event keeps its claim until the abandoned call ends; then only the ones it applied complete.
      for (const item of items) steps.abandon(item, running.then((late) => (failuresOf(late, items, steps.logger).has(item.envelope.id) ? Promise.reject(new Error('failed')) : undefined)));
    }
  }
  for (const stop of stops) stop();
  endMessagingSpan(span, failures.size === 0 ? undefined : new Error(`${failures.size} of ${items.length} events failed`));
  await Promise.all(
    items.map(async (item) => {
      try {
        await (failures.has(item.envelope.id) ? otelContext.with(traceContext, () => steps.failed(item, failures.get(item.envelope.id), started)) : steps.succeeded(item, started, traceContext));
      } catch (error) {
        return done(item.lease, error);
      }
      done(item.lease);
    }),
  );
}

/** The failures a batch handler reported, by event id; an id not in the batch is a bug in the handler, logged and ignored. */
function failuresOf(result: BatchResult, items: readonly Claimed[], logger: Logger): Map<string, unknown> {
  const failures = new Map<string, unknown>();
  if (!result || result.failures.length === 0) return failures;
  for (const { id, error } of result.failures) {
    if (items.some((item) => item.envelope.id === id)) failures.set(id, error);
    else logger.warn({ eventId: id }, 'a batch handler reported a failure of an event that is not in its batch; ignored');
  }
  return failures;
}

/** The handler's promise; a handler that throws before its first await rejects it too. */
function invoke(call: () => BatchResult | Promise<BatchResult>): Promise<BatchResult> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}
