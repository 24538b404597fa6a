// Long-polls one SQS queue: its lifecycle (start, the pollers, stop) and the handler registry. What
// happens to each received message is MessagePipeline's.
import { EventEmitter } from 'node:events';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { z } from 'zod';
import type { Catalog, CurrentVersion, EventTypeName } from '../../contract/catalog';
import type { DecodeChecks } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import { bounded } from '../bounded';
import { TransportConfigError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { backoffDelayMs, delay } from '../retry';
import { DeleteBatcher } from './DeleteBatcher';
import { InMemoryIdempotencyStore, type IdempotencyStore } from './idempotency';
import { InFlightMessages, type Lease } from './InFlightMessages';
import { Dispatch } from './dispatch';
import { MessagePipeline } from './MessagePipeline';
import { createRegistration, RECEIVE_ATTRIBUTES, type Registration, type RegistrationOptions } from './registration';
import { describeQueue } from './queueInfo';
import { QueueActions } from './QueueActions';
import { subscriberSettings, type Settings } from './settings';
import type { BatchContext, BatchHandler, BatchResult, EventHandler, HandlerContext, SubscriberEvents, SubscriberOptions } from './types';

/**
 * Long-polls one SQS queue and runs a typed handler per event type. Handled messages are deleted
 * in batches; a failing handler's message comes back after a backoff and goes to the DLQ after
 * `maxReceiveCount`; a message that can never be valid goes to the DLQ at once with its reason.
 * What is held in flight (slots, receipt handles, claims) is kept by {@link InFlightMessages}.
 */
export class Subscriber<C extends Catalog> extends EventEmitter<SubscriberEvents> {
  private readonly handlers = new Map<string, Registration>();
  /** Types registered with subscribeBatch: a receive then goes to the pipeline whole. */
  private readonly batchTypes = new Set<string>();
  private readonly logger: Logger;
  private readonly store: IdempotencyStore;
  private readonly scope: string;
  private readonly settings: Settings;
  private readonly inFlight: InFlightMessages;
  private queueActions: QueueActions | undefined;
  private dispatch: Dispatch | undefined;
  private deletes: DeleteBatcher | undefined;
  private polling: Promise<void> | undefined;
  private pollAbort = new AbortController();
  private handlerAbort = new AbortController();
  private running = false;
  /** A FIFO queue: each message group's messages run one at a time, in order. */
  private fifo = false;
  private activePollers = 0;
  /** The queue's name, for spans: `process <queue>`. */
  private readonly queueName: string;
  /** What each envelope is held to beyond its schema (the clock skew it may have). */
  private readonly decodeChecks: DecodeChecks;

  constructor(private readonly options: SubscriberOptions<C>) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.store = options.idempotencyStore ?? new InMemoryIdempotencyStore();
    this.queueName = options.queueUrl.split('/').at(-1) ?? options.queueUrl;
    this.scope = options.idempotencyScope ?? this.queueName;
    this.settings = subscriberSettings(options);
    this.decodeChecks = { maxFutureSkewMs: this.settings.maxFutureSkewMs };
    this.inFlight = new InFlightMessages(this.settings.concurrency);
  }

  /**
   * Registers the handler of one type, reading `version` (older versions are upcast). With
   * `reads`, a reader schema of the fields it reads, the handler gets exactly those, and an event
   * of its version is validated by the reader alone (a tolerant reader).
   */
  subscribe<T extends EventTypeName<C>, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: EventHandler<C, T, V>,
    options?: { version?: V; handlerTimeoutMs?: number },
  ): this;
  subscribe<T extends EventTypeName<C>, R extends z.ZodType, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: (event: EventEnvelope<T, z.output<R>>, context: HandlerContext) => void | Promise<void>,
    options: { version?: V; reads: R; handlerTimeoutMs?: number },
  ): this;
  subscribe(type: string, handler: (event: never, context: HandlerContext) => void | Promise<void>, options: RegistrationOptions = {}): this {
    return this.register(type, { each: handler as (event: EventEnvelope, context: HandlerContext) => void | Promise<void> }, options);
  }

  /**
   * Registers a batch handler of one type: it gets up to a receive's worth of the type's events
   * (`batchSize`, at most 10) in one call, in the order received, each decoded and claimed as
   * `subscribe()`'s are, and returns the ones that failed (`{ failures: [{ id, error }] }`, as
   * Powertools' batch processor reports item failures); throwing fails them all. The rest are
   * completed and deleted together; each failure is retried on its own, with its own receive count
   * and DLQ reason. Standard queues only: on a FIFO queue `start()` refuses it (a batch would
   * apply a group's later events before an earlier one is known to have succeeded).
   */
  subscribeBatch<T extends EventTypeName<C>, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: BatchHandler<C, T, V>,
    options?: { version?: V; handlerTimeoutMs?: number },
  ): this;
  subscribeBatch<T extends EventTypeName<C>, R extends z.ZodType, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: (events: readonly EventEnvelope<T, z.output<R>>[], context: BatchContext) => BatchResult | Promise<BatchResult>,
    options: { version?: V; reads: R; handlerTimeoutMs?: number },
  ): this;
  subscribeBatch(type: string, handler: (events: readonly never[], context: BatchContext) => BatchResult | Promise<BatchResult>, options: RegistrationOptions = {}): this {
    this.batchTypes.add(type);
    return this.register(type, { batch: handler as (events: readonly EventEnvelope[], context: BatchContext) => BatchResult | Promise<BatchResult> }, options);
  }

  private register(type: string, handler: Registration['handler'], options: RegistrationOptions): this {
    if (this.handlers.has(type)) throw new TransportConfigError('INVALID_OPTIONS', `${type} already has a handler on this subscriber`);
    this.handlers.set(type, createRegistration(this.options.catalog, this.queueName, type, handler, { ...options, handlerTimeoutMs: options.handlerTimeoutMs ?? this.options.handlerTimeoutMs }));
    return this;
  }

  /** The (type, version) pairs this subscriber reads, with the reader schema where one was given. */
  get subscriptions(): { type: string; version: number; reader?: z.ZodType }[] {
    return [...this.handlers.entries()].map(([type, registration]) => ({ type, version: registration.version, ...(registration.reader ? { reader: registration.reader } : {}) }));
  }

  /** Every type of the catalog it reads against: the only values a metric label may take from a message. */
  get eventTypes(): readonly string[] {
    return Object.keys(this.options.catalog);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** How long the longest-running handler has held its slot, in ms (0: none runs). */
  get oldestHandlerMs(): number {
    return this.inFlight.oldestHeldMs();
  }

  /**
   * Every slot is held by a handler running longer than `starvedAfterMs`: the subscriber receives
   * nothing until one ends. Readiness fails on it.
   */
  get isStarved(): boolean {
    return this.inFlight.allHeldLongerThan(this.settings.starvedAfterMs);
  }

  /** Most handlers that ran (or had slots reserved) at once; never above `concurrency`. */
  get peakInFlight(): number {
    return this.inFlight.peak;
  }

  /** Reads the queue (failing with `BrokerUnavailableError` after `startTimeoutMs`), then polls. */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.handlers.size === 0) throw new TransportConfigError('INVALID_OPTIONS', 'subscribe() at least one handler before start()');
    const { requestTimeoutMs, startTimeoutMs, deleteBatchWindowMs } = this.settings;
    const queue = await describeQueue(this.options.sqs, this.options.queueUrl, { deadLetterQueueUrl: this.options.deadLetterQueueUrl, requestTimeoutMs, deadlineMs: startTimeoutMs });
    this.fifo = queue.fifo;
    if (queue.fifo && this.batchTypes.size > 0) {
      throw new TransportConfigError('INVALID_OPTIONS', `${[...this.batchTypes].join(', ')} on the FIFO queue ${this.queueName}: a batch handler would apply a group's later events before an earlier one succeeded; use subscribe()`);
    }
    // On a FIFO queue the group waits for the delete: no window to share it.
    this.deletes = new DeleteBatcher(this.options.sqs, this.options.queueUrl, queue.fifo ? 0 : deleteBatchWindowMs, requestTimeoutMs);
    this.queueActions = new QueueActions(this.options.sqs, this.options.queueUrl, queue, this.deletes, requestTimeoutMs, (operation, error) =>
      this.emit('transport-error', { operation, error }),
    );
    const { retryBaseSeconds, retryMaxSeconds, idempotencyWindowMs } = this.settings;
    const pipeline = new MessagePipeline({
      catalog: this.options.catalog,
      handlers: this.handlers,
      queueUrl: this.options.queueUrl,
      store: this.store,
      scope: this.scope,
      settings: { retryBaseSeconds, retryMaxSeconds, idempotencyWindowMs, requestTimeoutMs },
      decodeChecks: this.decodeChecks,
      inFlight: this.inFlight,
      actions: this.queueActions,
      events: this,
      logger: this.logger,
      handlerSignal: () => this.handlerAbort.signal,
    });
    this.dispatch = new Dispatch(pipeline, this.inFlight, (leases) => this.release(leases), (lease, error) => {
      this.emit('transport-error', { operation: 'process', error });
      this.logger.error({ err: error, messageId: lease.messageId }, 'message processing failed unexpectedly');
    });
    // A new run gets new signals: a previous stop() that passed its deadline aborted the old ones.
    this.pollAbort = new AbortController();
    this.handlerAbort = new AbortController();
    this.running = true;
    this.polling = this.poll(true);
    this.logger.info({ queueUrl: this.options.queueUrl, types: [...this.handlers.keys()] }, 'subscriber started');
  }

  /**
   * Stops at once: the long poll is aborted, in-flight handlers get `shutdownTimeoutMs` to finish,
   * finished messages are deleted, unfinished ones are made visible again. Nothing is lost.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.pollAbort.abort();
    this.inFlight.notify();
    const deadline = AbortSignal.timeout(this.settings.shutdownTimeoutMs);
    await this.polling;
    while (this.inFlight.size > 0 && !deadline.aborted) await this.inFlight.waitForChange(deadline);
    const unfinished = this.inFlight.unsettled();
    if (unfinished.length > 0) {
      this.handlerAbort.abort();
      this.logger.warn({ count: unfinished.length }, 'shutdown deadline passed; releasing unfinished messages');
      await this.release(unfinished);
    }
    await this.deletes?.flush();
    this.queueActions?.stopHeartbeats();
    this.logger.info({ queueUrl: this.options.queueUrl }, 'subscriber stopped');
  }

  /**
   * One long-poll loop. The primary loop runs until stop(); while receives come back full (a
   * backlog), it adds helpers up to `pollers`, and a helper ends as soon as a receive comes back
   * short, so an idle queue costs one open request, not `pollers`. Every poller reserves its
   * handler slots before it receives, so `concurrency` holds across all of them.
   */
  private async poll(primary: boolean): Promise<void> {
    this.activePollers += 1;
    const helpers: Promise<void>[] = [];
    const backoff = { failures: 0 };
    try {
      while (this.running) {
        const slots = this.inFlight.reserve(this.settings.batchSize);
        if (slots === 0) {
          await this.inFlight.waitForChange(this.pollAbort.signal);
          continue;
        }
        const messages = await this.receive(slots, backoff);
        this.inFlight.unreserve(slots);
        if (messages === undefined) continue;
        const leases = messages.map((message) => this.inFlight.admit(message)).filter((lease) => lease !== undefined);
        if (!this.running) {
          // The receive returned after stop() began: give these back now rather than handle them.
          await this.release(leases);
          return;
        }
        const dispatch = this.dispatch!;
        if (this.fifo) dispatch.inGroups(leases);
        else if (this.batchTypes.size > 0) void dispatch.together(leases);
        else for (const lease of leases) void dispatch.one(lease);
        const full = messages.length >= slots;
        if (full && this.activePollers < this.settings.pollers) helpers.push(this.poll(false));
        if (!primary && !full) return;
      }
    } finally {
      this.activePollers -= 1;
      await Promise.all(helpers);
    }
  }

  /** One ReceiveMessage, bounded; on failure, backs off (abortably) and returns undefined. */
  private async receive(max: number, backoff: { failures: number }): Promise<Message[] | undefined> {
    const { waitTimeSeconds, requestTimeoutMs } = this.settings;
    try {
      const command = new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: [...RECEIVE_ATTRIBUTES.MessageAttributeNames],
        MessageSystemAttributeNames: this.fifo ? [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames, 'MessageGroupId'] : [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames],
      });
      const output = await bounded('ReceiveMessage', waitTimeSeconds * 1000 + requestTimeoutMs, (abortSignal) => this.options.sqs.send(command, { abortSignal }), this.pollAbort.signal);
      backoff.failures = 0;
      return output.Messages ?? [];
    } catch (error) {
      if (!this.running) return undefined;
      backoff.failures += 1;
      this.emit('transport-error', { operation: 'ReceiveMessage', error });
      this.logger.warn({ err: error, failures: backoff.failures }, 'ReceiveMessage failed; retrying');
      await delay(backoffDelayMs(backoff.failures, 100, 5_000), this.pollAbort.signal);
      return undefined;
    }
  }

  private async release(leases: Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.actions().release(leases);
    for (const lease of leases) this.inFlight.settle(lease);
    this.emit('released', { messageIds: leases.map((lease) => lease.messageId) });
  }

  private actions(): QueueActions {
    if (!this.queueActions) throw new Error('unreachable: messages arrive only after start()');
    return this.queueActions;
  }
}
