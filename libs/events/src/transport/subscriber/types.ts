// The subscriber's public types: options, handler and its context, lifecycle events, dead-letter
// codes.
import type { Context } from '@opentelemetry/api';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog, EventData, EventTypeName } from '../../contract/catalog';
import { REJECTION_CODES } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import type { Logger } from '../logger';
import type { IdempotencyStore } from './idempotency';

export interface HandlerContext {
  messageId: string;
  /** How many times SQS has delivered this message, this time included. */
  receiveCount: number;
  /** The producer's trace as remote parent; start spans under it. */
  traceContext: Context;
  traceparent: string | undefined;
  /** Aborted when shutdown's deadline passes, or the handler's timeout: stop work, the message will be delivered again. */
  signal: AbortSignal;
}

export type EventHandler<C extends Catalog, T extends EventTypeName<C>, V extends number> = (
  event: EventEnvelope<T, EventData<C, T, V>>,
  context: HandlerContext,
) => void | Promise<void>;

/** One message of a batch, in the order of the batch's events. */
export interface BatchMessage {
  messageId: string;
  receiveCount: number;
  traceparent: string | undefined;
}

export interface BatchContext {
  /** Each event's message, at the same index as the event. */
  messages: readonly BatchMessage[];
  /** The batch's `process` span (linked to each event's publish span); start spans under it. */
  traceContext: Context;
  /** Aborted when shutdown's deadline passes, or the handler's timeout: stop work, the unfinished events will be delivered again. */
  signal: AbortSignal;
  /** What to pass to `publish()` for an event caused by `event`: its id as cause, its correlation. */
  causedBy(event: Pick<EventEnvelope, 'id' | 'correlationId'>): { causationId: string; correlationId: string };
}

/**
 * One event of a batch that failed, by its id (as Powertools' batch processor reports
 * `batchItemFailures`): it is retried on its own, with its own receive count, and dead-lettered
 * with its own reason. A `PermanentError` sends it to the DLQ at once.
 */
export interface BatchItemFailure {
  id: string;
  error: unknown;
}

/** Nothing (every event succeeded), or the events that failed; a thrown error fails every event. */
export type BatchResult = void | { failures: readonly BatchItemFailure[] };

export type BatchHandler<C extends Catalog, T extends EventTypeName<C>, V extends number> = (
  events: readonly EventEnvelope<T, EventData<C, T, V>>[],
  context: BatchContext,
) => BatchResult | Promise<BatchResult>;

export interface SubscriberOptions<C extends Catalog> {
  catalog: C;
  sqs: SQSClient;
  /** The URL CreateQueue/GetQueueUrl returned (emulators match it exactly). */
  queueUrl: string;
  /** Where invalid and exhausted messages go. @defaultValue discovered from the queue's RedrivePolicy */
  deadLetterQueueUrl?: string;
  logger?: Logger;
  /** Handlers running at once. @defaultValue 10 */
  concurrency?: number;
  /** Long-poll wait, 0-20 s. @defaultValue 20 */
  waitTimeSeconds?: number;
  /** Messages per ReceiveMessage, 1-10. @defaultValue 10 */
  batchSize?: number;
  /** First retry delay after a handler failed, doubled per receive (with jitter). @defaultValue 2 */
  retryBaseSeconds?: number;
  /** Longest retry delay. @defaultValue 300 */
  retryMaxSeconds?: number;
  /** How long a handled event id is remembered to suppress duplicates. @defaultValue 3_600_000 (1 h) */
  idempotencyWindowMs?: number;
  /** Shared by replicas (e.g. `DynamoDbIdempotencyStore`) to apply each event once across them. @defaultValue an {@link InMemoryIdempotencyStore} (this process only) */
  idempotencyStore?: IdempotencyStore;
  /**
   * Prefix of this subscriber's keys in the store, so two consumers sharing a table (or a service's
   * two queues that both receive an event) keep apart. Replicas of one consumer must share it.
   * @defaultValue the queue's name
   */
  idempotencyScope?: string;
  /**
   * The longest a handler may run (opt-in; `subscribe(type, handler, { handlerTimeoutMs })` sets it
   * per type). When it passes, the handler's `signal` aborts and the message counts as failed:
   * retried, then dead-lettered as `HANDLER_TIMEOUT`. The event's claim stays held while the
   * abandoned handler runs, so a redelivery does not apply it a second time. @defaultValue none
   */
  handlerTimeoutMs?: number;
  /**
   * When every slot has been held longer than this, the subscriber is starved (`isStarved`; a
   * service's /ready fails). @defaultValue handlerTimeoutMs, else 300_000 (5 min)
   */
  starvedAfterMs?: number;
  /** How long `stop()` lets in-flight handlers finish. @defaultValue DRAIN_MS (25 000: what ECS's and compose's 30 s grace leaves, see stopBudget.ts) */
  shutdownTimeoutMs?: number;
  /**
   * How far an event's `time` may lie ahead of this consumer's clock; later ones go to the DLQ as
   * TIME_IN_FUTURE (a producer whose clock runs fast, or a forged date). @defaultValue 300_000 (5 min)
   */
  maxFutureSkewMs?: number;
  /**
   * Most long polls at once. One ReceiveMessage returns at most 10 messages, so while receives
   * come back full (a backlog) helpers join, up to this many; they leave when the backlog is gone,
   * so an idle or slow queue costs one open request. @defaultValue 4
   */
  pollers?: number;
  /** How long a handled message waits for others to share a DeleteMessageBatch; it is handled (and counted) already, only its delete waits. @defaultValue 200 */
  deleteBatchWindowMs?: number;
  /**
   * Longest wait for the broker's answer to one call (a long poll gets `waitTimeSeconds` more). A
   * broker that accepts connections and never answers costs this much, never a hang. @defaultValue 5_000
   */
  requestTimeoutMs?: number;
  /** How long `start()` keeps trying to read its queue before it fails with `BrokerUnavailableError`. @defaultValue 20_000 */
  startTimeoutMs?: number;
}

/** Why a message went to the dead-letter queue: every value, for the alarms on each reason. */
export const DEAD_LETTER_CODES = [...REJECTION_CODES, 'NO_HANDLER', 'HANDLER_FAILED', 'HANDLER_TIMEOUT', 'HANDLER_REJECTED'] as const;
export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

/** Lifecycle of consuming, for logs and metrics: event name → listener arguments. */
export interface SubscriberEvents {
  received: [{ messageId: string; receiveCount: number }];
  handled: [{ envelope: EventEnvelope; durationMs: number; latencyMs: number }];
  failed: [{ envelope: EventEnvelope; error: unknown; receiveCount: number; durationMs: number }];
  retried: [{ envelope: EventEnvelope; receiveCount: number; delaySeconds: number }];
  /**
   * Parked in the DLQ with its reason (`via: 'copy'`), or, when the DLQ refused the copy for good,
   * sent there by the queue's RedrivePolicy without the reason attribute (`via: 'redrive'`).
   */
  'dead-lettered': [{ messageId: string; code: DeadLetterCode; reason: string; via: 'copy' | 'redrive'; eventId?: string; type?: string }];
  /** Another message carrying the same event is being handled (here or by a replica): this copy comes back later. */
  deferred: [{ messageId: string; eventId: string; delaySeconds: number }];
  /** Received after stop() began, or unfinished at its deadline: made visible again at once. */
  released: [{ messageIds: string[] }];
  duplicate: [{ envelope: EventEnvelope }];
  'transport-error': [{ operation: string; error: unknown }];
}
