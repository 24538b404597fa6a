import { EventEmitter } from 'node:events';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { context as otelContext } from '@opentelemetry/api';
import type { Catalog, CurrentVersion, EventTypeName } from '../../contract/catalog';
import { decodeEnvelope, getEventType } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import { MAX_SNS_MESSAGE_BYTES } from '../attributes';
import { TransportConfigError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { backoffDelayMs, delay } from '../retry';
import { contextFromTraceparent } from '../tracing';
import { DeleteBatcher } from './DeleteBatcher';
import { sendToDeadLetterQueue } from './deadLetter';
import { InMemoryIdempotencyStore, type IdempotencyStore } from './idempotency';
import { readIncomingMessage } from './incomingMessage';
import { describeQueue, type QueueInfo } from './queueInfo';
import type { DeadLetterCode, EventHandler, HandlerContext, SubscriberEvents, SubscriberOptions } from './types';

interface Registration {
  version: number;
  handler: (event: EventEnvelope, context: HandlerContext) => void | Promise<void>;
}

interface InFlight {
  message: Message;
  abandoned: boolean;
}

/** The attributes the subscriber reads; AWS returns none unless they are asked for. */
export const RECEIVE_ATTRIBUTES = {
  MessageAttributeNames: ['All'],
  MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
} as const;

/**
 * Long-polls one SQS queue and runs a typed handler per event type. Handled messages are deleted
 * in batches; a failing handler's message comes back after a backoff and goes to the DLQ after
 * `maxReceiveCount`; a message that can never be valid goes to the DLQ at once with its reason.
 */
export class Subscriber<C extends Catalog> extends EventEmitter<SubscriberEvents> {
  private readonly handlers = new Map<string, Registration>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly inFlightEventIds = new Set<string>();
  private readonly logger: Logger;
  private readonly store: IdempotencyStore;
  private readonly settings: Required<Omit<SubscriberOptions<C>, 'deadLetterQueueUrl' | 'logger' | 'idempotencyStore' | 'catalog' | 'sqs' | 'queueUrl'>>;
  private queue: QueueInfo | undefined;
  private deletes: DeleteBatcher | undefined;
  private polling: Promise<void> | undefined;
  private pollAbort = new AbortController();
  private readonly handlerAbort = new AbortController();
  private readonly waiters = new Set<() => void>();
  private running = false;
  private activePollers = 0;

  constructor(private readonly options: SubscriberOptions<C>) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.store = options.idempotencyStore ?? new InMemoryIdempotencyStore();
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
    };
    checkSettings(this.settings);
  }

  /** Registers the handler of one type, reading `version` (older versions are upcast). */
  subscribe<T extends EventTypeName<C>, V extends keyof C[T]['versions'] & number = CurrentVersion<C, T>>(
    type: T,
    handler: EventHandler<C, T, V>,
    options: { version?: V } = {},
  ): this {
    const definition = getEventType(this.options.catalog, type);
    const version = options.version ?? definition.current;
    if (!definition.versions[version]) throw new TransportConfigError('INVALID_OPTIONS', `${type} has no version ${version}`);
    if (this.handlers.has(type)) throw new TransportConfigError('INVALID_OPTIONS', `${type} already has a handler on this subscriber`);
    this.handlers.set(type, { version, handler: handler as unknown as Registration['handler'] });
    return this;
  }

  /** The (type, version) pairs this subscriber reads. */
  get subscriptions(): { type: string; version: number }[] {
    return [...this.handlers.entries()].map(([type, registration]) => ({ type, version: registration.version }));
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.handlers.size === 0) throw new TransportConfigError('INVALID_OPTIONS', 'subscribe() at least one handler before start()');
    this.queue = await describeQueue(this.options.sqs, this.options.queueUrl, this.options.deadLetterQueueUrl);
    this.deletes = new DeleteBatcher(this.options.sqs, this.options.queueUrl, this.settings.deleteBatchWindowMs);
    this.pollAbort = new AbortController();
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
    this.notify();
    await this.polling;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.settings.shutdownTimeoutMs);
    while (this.inFlight.size > 0 && !deadline.signal.aborted) await this.waitForChange(deadline.signal);
    clearTimeout(timer);
    const unfinished = [...this.inFlight.values()];
    if (unfinished.length > 0) {
      this.handlerAbort.abort();
      this.logger.warn({ count: unfinished.length }, 'shutdown deadline passed; releasing unfinished messages');
      await Promise.allSettled(unfinished.map((item) => this.release(item)));
    }
    await this.deletes?.flush();
    this.logger.info({ queueUrl: this.options.queueUrl }, 'subscriber stopped');
  }

  /**
   * One long-poll loop. The primary loop runs until stop(); while receives come back full (a
   * backlog), it adds helpers up to `pollers`, and a helper ends as soon as a receive comes back
   * short, so an idle queue costs one open request, not `pollers`.
   */
  private async poll(primary: boolean): Promise<void> {
    let failures = 0;
    this.activePollers += 1;
    const helpers: Promise<void>[] = [];
    try {
      await this.pollLoop(primary, helpers, () => (failures += 1), () => (failures = 0), () => failures);
    } finally {
      this.activePollers -= 1;
      await Promise.all(helpers);
    }
  }

  private async pollLoop(primary: boolean, helpers: Promise<void>[], failed: () => void, succeeded: () => void, failures: () => number): Promise<void> {
    while (this.running) {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) {
        await this.waitForChange(this.pollAbort.signal);
        continue;
      }
      let messages: Message[];
      try {
        const output = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: Math.min(this.settings.batchSize, free),
            WaitTimeSeconds: this.settings.waitTimeSeconds,
            ...RECEIVE_ATTRIBUTES,
            MessageAttributeNames: [...RECEIVE_ATTRIBUTES.MessageAttributeNames],
            MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames],
          }),
          { abortSignal: this.pollAbort.signal },
        );
        messages = output.Messages ?? [];
        succeeded();
      } catch (error) {
        if (!this.running) return;
        failed();
        this.emit('transport-error', { operation: 'ReceiveMessage', error });
        this.logger.warn({ err: error, failures: failures() }, 'ReceiveMessage failed; retrying');
        await delay(backoffDelayMs(failures(), 100, 5_000), this.pollAbort.signal);
        continue;
      }
      for (const message of messages) this.dispatch(message);
      const full = messages.length >= Math.min(this.settings.batchSize, free);
      if (full && this.activePollers < this.settings.pollers) helpers.push(this.poll(false));
      if (!primary && !full) return;
    }
  }

  private dispatch(message: Message): void {
    const key = message.ReceiptHandle ?? message.MessageId ?? '';
    const item: InFlight = { message, abandoned: false };
    this.inFlight.set(key, item);
    this.process(item)
      .catch((error: unknown) => {
        // Unexpected (e.g. the idempotency store failed): the message becomes visible again later.
        this.emit('transport-error', { operation: 'process', error });
        this.logger.error({ err: error, messageId: message.MessageId }, 'message processing failed unexpectedly');
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.notify();
      });
  }

  private async process(item: InFlight): Promise<void> {
    const { message } = item;
    const messageId = message.MessageId ?? '';
    const size = Buffer.byteLength(message.Body ?? '', 'utf8');
    if (size > MAX_SNS_MESSAGE_BYTES) {
      // No publisher of ours can send this (SNS stops at 256 KiB): it came some other way.
      return this.deadLetter(item, 'MESSAGE_TOO_LARGE', `Message body is ${size} bytes; events are at most ${MAX_SNS_MESSAGE_BYTES}`);
    }
    const read = readIncomingMessage(message);
    if (!read.ok) return this.deadLetter(item, read.code, read.reason);
    this.emit('received', { messageId, receiveCount: read.message.receiveCount });
    const type = typeof read.message.body === 'object' && read.message.body !== null ? (read.message.body as { type?: unknown }).type : undefined;
    const registration = typeof type === 'string' ? this.handlers.get(type) : undefined;
    const decoded = decodeEnvelope(this.options.catalog, read.message.body, registration?.version);
    if (!decoded.ok) return this.deadLetter(item, decoded.code, decoded.reason, decoded.eventId, decoded.type);
    const { envelope } = decoded;
    if (!registration) {
      return this.deadLetter(item, 'NO_HANDLER', `No handler for ${envelope.type} on ${this.options.queueUrl}`, envelope.id, envelope.type);
    }
    if (this.inFlightEventIds.has(envelope.id) || (await this.store.has(envelope.id))) {
      // The first copy is handled (or being handled and will come back if it fails): drop this one.
      this.emit('duplicate', { envelope });
      return this.delete(item);
    }
    await this.handle(item, registration, envelope, read.message.receiveCount, read.message.traceparent);
  }

  private async handle(item: InFlight, registration: Registration, envelope: EventEnvelope, receiveCount: number, traceparent: string | undefined): Promise<void> {
    const { message } = item;
    const started = performance.now();
    const heartbeat = this.startHeartbeat(item);
    this.inFlightEventIds.add(envelope.id);
    const traceContext = contextFromTraceparent(traceparent);
    const context: HandlerContext = { messageId: message.MessageId ?? '', receiveCount, traceContext, traceparent, signal: this.handlerAbort.signal };
    try {
      await otelContext.with(traceContext, () => registration.handler(envelope, context));
      await this.store.add(envelope.id, this.settings.idempotencyWindowMs);
      this.emit('handled', { envelope, durationMs: performance.now() - started, latencyMs: Date.now() - Date.parse(envelope.time) });
      await this.delete(item);
    } catch (error) {
      const durationMs = performance.now() - started;
      this.emit('failed', { envelope, error, receiveCount, durationMs });
      this.logger.warn({ err: error, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, receiveCount }, 'handler failed');
      if (item.abandoned) return;
      if (receiveCount >= (this.queue?.maxReceiveCount ?? Number.POSITIVE_INFINITY)) {
        await this.deadLetter(item, 'HANDLER_FAILED', `Handler failed ${receiveCount} times: ${error instanceof Error ? error.message : String(error)}`, envelope.id, envelope.type);
      } else {
        const delaySeconds = Math.round(backoffDelayMs(receiveCount - 1, this.settings.retryBaseSeconds * 1000, this.settings.retryMaxSeconds * 1000) / 1000);
        await this.changeVisibility(message, delaySeconds);
        this.emit('retried', { envelope, receiveCount, delaySeconds });
      }
    } finally {
      clearInterval(heartbeat);
      this.inFlightEventIds.delete(envelope.id);
    }
  }

  /** Keeps a slow handler's message invisible, so it is not delivered to another consumer meanwhile. */
  private startHeartbeat(item: InFlight): NodeJS.Timeout | undefined {
    const visibility = this.queue?.visibilityTimeoutSeconds ?? 0;
    if (visibility < 2) return undefined;
    return setInterval(() => {
      if (!item.abandoned) void this.changeVisibility(item.message, visibility);
    }, (visibility * 1000) / 2);
  }

  private async deadLetter(item: InFlight, code: DeadLetterCode, reason: string, eventId?: string, type?: string): Promise<void> {
    const messageId = item.message.MessageId ?? '';
    const dlq = this.queue?.deadLetterQueueUrl;
    try {
      if (dlq === undefined) throw new Error('no dead-letter queue known');
      await sendToDeadLetterQueue(this.options.sqs, dlq, item.message, `${code}: ${reason}`);
    } catch (error) {
      // Not parked: leave it to come back (and to the queue's RedrivePolicy), never drop it.
      this.emit('transport-error', { operation: 'SendMessage(DLQ)', error });
      this.logger.error({ err: error, messageId, eventId }, 'could not move message to the DLQ; it will be delivered again');
      return;
    }
    this.logger.error({ messageId, eventId, eventType: type, code, reason }, 'message dead-lettered');
    this.emit('dead-lettered', { messageId, code, reason, ...(eventId === undefined ? {} : { eventId }), ...(type === undefined ? {} : { type }) });
    await this.delete(item);
  }

  private async delete(item: InFlight): Promise<void> {
    const receiptHandle = item.message.ReceiptHandle;
    if (item.abandoned || receiptHandle === undefined || !this.deletes) return;
    try {
      await this.deletes.delete(receiptHandle);
    } catch (error) {
      this.emit('transport-error', { operation: 'DeleteMessageBatch', error });
    }
  }

  private async release(item: InFlight): Promise<void> {
    item.abandoned = true;
    await this.changeVisibility(item.message, 0);
  }

  private async changeVisibility(message: Message, seconds: number): Promise<void> {
    try {
      await this.options.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }));
    } catch (error) {
      this.emit('transport-error', { operation: 'ChangeMessageVisibility', error });
    }
  }

  /** Resolves when an in-flight message settles or `signal` aborts. */
  private waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function checkSettings(settings: Record<string, number>): void {
  const rules: Record<string, [number, number]> = {
    concurrency: [1, 1000],
    waitTimeSeconds: [0, 20],
    batchSize: [1, 10],
    retryBaseSeconds: [0, 43_200],
    retryMaxSeconds: [0, 43_200],
    idempotencyWindowMs: [0, Number.MAX_SAFE_INTEGER],
    shutdownTimeoutMs: [0, 120_000],
    deleteBatchWindowMs: [0, 10_000],
    pollers: [1, 50],
  };
  const problems = Object.entries(rules)
    .filter(([name, [min, max]]) => !(Number.isFinite(settings[name]) && (settings[name] ?? NaN) >= min && (settings[name] ?? NaN) <= max))
    .map(([name, [min, max]]) => `${name} must be between ${min} and ${max} (got ${settings[name]})`);
  if (problems.length > 0) throw new TransportConfigError('INVALID_OPTIONS', `Subscriber options are invalid:\n- ${problems.join('\n- ')}`);
}
