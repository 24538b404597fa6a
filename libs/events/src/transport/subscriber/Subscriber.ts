import { EventEmitter } from 'node:events';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { context as otelContext, trace } from '@opentelemetry/api';
import type { z } from 'zod';
import type { Catalog, CurrentVersion, EventTypeName } from '../../contract/catalog';
import { decodeEnvelope, DEFAULT_MAX_FUTURE_SKEW_MS, getEventType, type DecodeChecks } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import { MAX_SNS_MESSAGE_BYTES } from '../attributes';
import { bounded } from '../bounded';
import { TransportConfigError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { backoffDelayMs, delay } from '../retry';
import { whileHandling } from '../causation';
import { contextFromTraceparent, endMessagingSpan, SpanKind, startMessagingSpan, type SpanShape } from '../tracing';
import { DeleteBatcher } from './DeleteBatcher';
import { InMemoryIdempotencyStore, type ClaimOutcome, type IdempotencyStore } from './idempotency';
import { InFlightMessages, type Lease } from './InFlightMessages';
import { readIncomingMessage } from './incomingMessage';
import { describeQueue } from './queueInfo';
import { QueueActions } from './QueueActions';
import type { DeadLetterCode, EventHandler, HandlerContext, SubscriberEvents, SubscriberOptions } from './types';

interface Registration {
  version: number;
  /** `process <queue>` spans of this type. */
  spanShape: SpanShape;
  reader?: z.ZodType;
  handler: (event: EventEnvelope, context: HandlerContext) => void | Promise<void>;
}

type Settings = Required<Omit<SubscriberOptions<Catalog>, 'deadLetterQueueUrl' | 'logger' | 'idempotencyStore' | 'idempotencyScope' | 'catalog' | 'sqs' | 'queueUrl'>>;

/**
 * The attributes the subscriber reads, and no others: AWS returns none unless asked, and each one
 * asked for is serialised by SQS and parsed by the SDK on every message.
 */
export const RECEIVE_ATTRIBUTES = {
  MessageAttributeNames: ['traceparent'],
  MessageSystemAttributeNames: ['ApproximateReceiveCount'],
} as const;

/**
 * Long-polls one SQS queue and runs a typed handler per event type. Handled messages are deleted
 * in batches; a failing handler's message comes back after a backoff and goes to the DLQ after
 * `maxReceiveCount`; a message that can never be valid goes to the DLQ at once with its reason.
 * What is held in flight (slots, receipt handles, claims) is kept by {@link InFlightMessages}.
 */
export class Subscriber<C extends Catalog> extends EventEmitter<SubscriberEvents> {
  private readonly handlers = new Map<string, Registration>();
  private readonly logger: Logger;
  private readonly store: IdempotencyStore;
  private readonly scope: string;
  private readonly settings: Settings;
  private readonly inFlight: InFlightMessages;
  private queueActions: QueueActions | undefined;
  private deletes: DeleteBatcher | undefined;
  private polling: Promise<void> | undefined;
  private pollAbort = new AbortController();
  private handlerAbort = new AbortController();
  private running = false;
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
    this.settings = {
      concurrency: options.concurrency ?? 10,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      batchSize: options.batchSize ?? 10,
      retryBaseSeconds: options.retryBaseSeconds ?? 2,
      retryMaxSeconds: options.retryMaxSeconds ?? 300,
      idempotencyWindowMs: options.idempotencyWindowMs ?? 3_600_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 25_000,
      deleteBatchWindowMs: options.deleteBatchWindowMs ?? 200,
      pollers: options.pollers ?? 4,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
      maxFutureSkewMs: options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
    };
    checkSettings(this.settings);
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
    options?: { version?: V },
  ): this;
  subscribe<T extends EventTypeName<C>, R extends z.ZodType, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: (event: EventEnvelope<T, z.output<R>>, context: HandlerContext) => void | Promise<void>,
    options: { version?: V; reads: R },
  ): this;
  subscribe(type: string, handler: (event: never, context: HandlerContext) => void | Promise<void>, options: { version?: number; reads?: z.ZodType } = {}): this {
    const definition = getEventType(this.options.catalog, type);
    const version = options.version ?? definition.current;
    if (!definition.versions[version]) throw new TransportConfigError('INVALID_OPTIONS', `${type} has no version ${version}`);
    if (this.handlers.has(type)) throw new TransportConfigError('INVALID_OPTIONS', `${type} already has a handler on this subscriber`);
    const spanShape: SpanShape = {
      name: `process ${this.queueName}`,
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'process', 'messaging.destination.name': this.queueName, 'game_mesh.event.type': type },
    };
    this.handlers.set(type, { version, spanShape, handler: handler as Registration['handler'], ...(options.reads ? { reader: options.reads } : {}) });
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
    this.deletes = new DeleteBatcher(this.options.sqs, this.options.queueUrl, deleteBatchWindowMs, requestTimeoutMs);
    this.queueActions = new QueueActions(this.options.sqs, this.options.queueUrl, queue, this.deletes, requestTimeoutMs, (operation, error) =>
      this.emit('transport-error', { operation, error }),
    );
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
        for (const lease of leases) this.dispatch(lease);
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
        MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames],
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

  private dispatch(lease: Lease): void {
    this.process(lease).then(
      () => this.inFlight.settle(lease),
      (error: unknown) => {
        // Unexpected (e.g. the idempotency store failed): the message becomes visible again later.
        this.emit('transport-error', { operation: 'process', error });
        this.logger.error({ err: error, messageId: lease.messageId }, 'message processing failed unexpectedly');
        this.inFlight.settle(lease);
      },
    );
  }

  private async process(lease: Lease): Promise<void> {
    const { message } = lease;
    if (this.actions().isRedriving(lease)) {
      // The DLQ refused its copy: each receive brings it closer to RedrivePolicy's move.
      await this.actions().changeVisibility(lease, 0);
      return;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long body needs counting.
    const body = message.Body ?? '';
    const size = body.length * 3 > MAX_SNS_MESSAGE_BYTES ? Buffer.byteLength(body, 'utf8') : 0;
    if (size > MAX_SNS_MESSAGE_BYTES) {
      // No publisher of ours can send this (SNS stops at 256 KiB): it came some other way.
      return this.deadLetter(lease, 'MESSAGE_TOO_LARGE', `Message body is ${size} bytes; events are at most ${MAX_SNS_MESSAGE_BYTES}`);
    }
    const read = readIncomingMessage(message);
    if (!read.ok) return this.deadLetter(lease, read.code, read.reason);
    if (this.listenerCount('received') > 0) this.emit('received', { messageId: lease.messageId, receiveCount: lease.receiveCount });
    const type = typeof read.message.body === 'object' && read.message.body !== null ? (read.message.body as { type?: unknown }).type : undefined;
    const registration = typeof type === 'string' ? this.handlers.get(type) : undefined;
    const decoded = decodeEnvelope(this.options.catalog, read.message.body, registration?.version, registration?.reader, this.decodeChecks);
    if (!decoded.ok) return this.deadLetter(lease, decoded.code, decoded.reason, decoded.eventId, decoded.type);
    const { envelope } = decoded;
    if (!registration) return this.deadLetter(lease, 'NO_HANDLER', `No handler for ${envelope.type} on ${this.options.queueUrl}`, envelope.id, envelope.type);
    // The check and the claim are one step: locally (synchronous), then in the shared store.
    const key = this.key(envelope.id);
    let claim: ClaimOutcome = 'in-progress';
    if (this.inFlight.claimEvent(lease, envelope.id)) {
      const outcome = this.store.claim(key, this.inProgressTtlMs());
      claim = typeof outcome === 'string' ? outcome : await outcome;
    }
    if (claim === 'completed') {
      this.emit('duplicate', { envelope });
      return this.actions().delete(lease);
    }
    if (claim === 'in-progress') {
      // Another message with this event is being handled; if that fails, this copy is its retry.
      const delaySeconds = Math.max(1, this.retryDelaySeconds(lease.receiveCount));
      await this.actions().changeVisibility(lease, delaySeconds);
      this.emit('deferred', { messageId: lease.messageId, eventId: envelope.id, delaySeconds });
      return;
    }
    await this.handle(lease, registration, envelope, key, read.message.traceparent);
  }

  /**
   * Runs the handler in a consumer span, child of the producer's span (the `traceparent`
   * attribute), as the handling of `envelope` (what it publishes is caused by it); the outcome's
   * events and logs run in the span's context too. `key` is the event's claim in the store.
   */
  private async handle(lease: Lease, registration: Registration, envelope: EventEnvelope, key: string, traceparent: string | undefined): Promise<void> {
    const started = performance.now();
    const stopHeartbeat = this.actions().keepAlive(lease, () => void this.renewClaim(key));
    const parent = contextFromTraceparent(traceparent, otelContext.active());
    const span = startMessagingSpan(registration.spanShape, parent);
    if (span.isRecording()) span.setAttributes({ 'messaging.message.id': envelope.id, 'messaging.message.conversation_id': envelope.correlationId });
    const traceContext = trace.setSpan(parent, span);
    const context: HandlerContext = { messageId: lease.messageId, receiveCount: lease.receiveCount, traceContext, traceparent, signal: this.handlerAbort.signal };
    try {
      await otelContext.with(traceContext, () => whileHandling(envelope, () => registration.handler(envelope, context)));
    } catch (error) {
      stopHeartbeat();
      endMessagingSpan(span, error);
      await otelContext.with(traceContext, () => this.handlerFailed(lease, envelope, key, error, started));
      return;
    }
    stopHeartbeat();
    endMessagingSpan(span);
    const completed = this.store.complete(key, this.settings.idempotencyWindowMs);
    if (completed !== undefined) await completed;
    if (this.listenerCount('handled') > 0) {
      const handled = { envelope, durationMs: performance.now() - started, latencyMs: Date.now() - Date.parse(envelope.time) };
      otelContext.with(traceContext, () => this.emit('handled', handled));
    }
    await this.actions().delete(lease);
  }

  private async handlerFailed(lease: Lease, envelope: EventEnvelope, key: string, error: unknown, started: number): Promise<void> {
    await this.store.release(key);
    // Counted against the newest receive: a redelivery while the handler ran raised it.
    const { receiveCount } = lease;
    this.emit('failed', { envelope, error, receiveCount, durationMs: performance.now() - started });
    this.logger.warn({ err: error, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, receiveCount }, 'handler failed');
    if (lease.released) return;
    if (receiveCount >= this.actions().maxReceiveCount) {
      const reason = `Handler failed ${receiveCount} times: ${error instanceof Error ? error.message : String(error)}`;
      return this.deadLetter(lease, 'HANDLER_FAILED', reason, envelope.id, envelope.type);
    }
    const delaySeconds = this.retryDelaySeconds(receiveCount);
    if (await this.actions().changeVisibility(lease, delaySeconds)) this.emit('retried', { envelope, receiveCount, delaySeconds });
  }

  private async deadLetter(lease: Lease, code: DeadLetterCode, reason: string, eventId?: string, type?: string): Promise<void> {
    const outcome = await this.actions().deadLetter(lease, `${code}: ${reason}`);
    const fields = { messageId: lease.messageId, code, reason, ...(eventId === undefined ? {} : { eventId }), ...(type === undefined ? {} : { type }) };
    if (outcome === 'retry-soon') {
      this.logger.error({ ...fields, eventType: type }, 'could not copy the message to the DLQ; trying again shortly');
      return;
    }
    const via = outcome === 'parked' ? 'copy' : 'redrive';
    this.logger.error(
      { ...fields, eventType: type, via },
      via === 'copy' ? 'message dead-lettered' : 'the DLQ refused the copy; the message goes there through RedrivePolicy, without the reason attribute',
    );
    this.emit('dead-lettered', { ...fields, via });
    if (outcome === 'parked') await this.actions().delete(lease);
  }

  private key(eventId: string): string {
    return `${this.scope}:${eventId}`;
  }

  private async renewClaim(key: string): Promise<void> {
    try {
      await this.store.renew?.(key, this.inProgressTtlMs());
    } catch (error) {
      this.emit('transport-error', { operation: 'idempotency renew', error });
    }
  }

  /** A claim outlives a dead holder about as long as its message stays hidden; heartbeats renew it. */
  private inProgressTtlMs(): number {
    return this.actions().visibilityTimeoutSeconds * 1000 + this.settings.requestTimeoutMs;
  }

  private retryDelaySeconds(receiveCount: number): number {
    return Math.round(backoffDelayMs(receiveCount - 1, this.settings.retryBaseSeconds * 1000, this.settings.retryMaxSeconds * 1000) / 1000);
  }

  private actions(): QueueActions {
    if (!this.queueActions) throw new Error('unreachable: messages arrive only after start()');
    return this.queueActions;
  }
}

function checkSettings(settings: Settings): void {
  const rules: Record<keyof Settings, [number, number]> = {
    concurrency: [1, 1000],
    waitTimeSeconds: [0, 20],
    batchSize: [1, 10],
    retryBaseSeconds: [0, 43_200],
    retryMaxSeconds: [0, 43_200],
    idempotencyWindowMs: [0, Number.MAX_SAFE_INTEGER],
    shutdownTimeoutMs: [0, 120_000],
    deleteBatchWindowMs: [0, 10_000],
    pollers: [1, 50],
    requestTimeoutMs: [100, 120_000],
    startTimeoutMs: [0, 600_000],
    maxFutureSkewMs: [0, 86_400_000],
  };
  const problems = Object.entries(rules)
    .filter(([name, [min, max]]) => {
      const value = settings[name as keyof Settings];
      return !(Number.isFinite(value) && value >= min && value <= max);
    })
    .map(([name, [min, max]]) => `${name} must be between ${min} and ${max} (got ${settings[name as keyof Settings]})`);
  if (problems.length > 0) throw new TransportConfigError('INVALID_OPTIONS', `Subscriber options are invalid:\n- ${problems.join('\n- ')}`);
}
