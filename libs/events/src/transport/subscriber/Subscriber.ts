import { EventEmitter } from 'node:events';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
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
import { InMemoryIdempotencyStore, type IdempotencyStore } from './idempotency';
import { readIncomingMessage } from './incomingMessage';
import { describeQueue } from './queueInfo';
import { QueueActions, type InFlight } from './QueueActions';
import type { EventHandler, HandlerContext, SubscriberEvents, SubscriberOptions } from './types';

interface Registration {
  version: number;
  handler: (event: EventEnvelope, context: HandlerContext) => void | Promise<void>;
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
  private deletes: DeleteBatcher | undefined;
  private queueActions: QueueActions | undefined;
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
    const queue = await describeQueue(this.options.sqs, this.options.queueUrl, this.options.deadLetterQueueUrl);
    this.deletes = new DeleteBatcher(this.options.sqs, this.options.queueUrl, this.settings.deleteBatchWindowMs);
    this.queueActions = new QueueActions(this.options.sqs, this.options.queueUrl, queue, this.deletes, this, this.logger);
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
      await Promise.allSettled(unfinished.map((item) => this.actions().release(item)));
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
    this.activePollers += 1;
    const helpers: Promise<void>[] = [];
    const backoff = { failures: 0 };
    try {
      while (this.running) {
        const free = this.settings.concurrency - this.inFlight.size;
        if (free <= 0) {
          await this.waitForChange(this.pollAbort.signal);
          continue;
        }
        const max = Math.min(this.settings.batchSize, free);
        const messages = await this.receive(max, backoff);
        if (messages === undefined) continue;
        for (const message of messages) this.dispatch(message);
        const full = messages.length >= max;
        if (full && this.activePollers < this.settings.pollers) helpers.push(this.poll(false));
        if (!primary && !full) return;
      }
    } finally {
      this.activePollers -= 1;
      await Promise.all(helpers);
    }
  }

  /** One ReceiveMessage; on failure, backs off (abortably) and returns undefined. */
  private async receive(max: number, backoff: { failures: number }): Promise<Message[] | undefined> {
    try {
      const output = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: this.settings.waitTimeSeconds,
          MessageAttributeNames: [...RECEIVE_ATTRIBUTES.MessageAttributeNames],
          MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames],
        }),
        { abortSignal: this.pollAbort.signal },
      );
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
      return this.actions().deadLetter(item, 'MESSAGE_TOO_LARGE', `Message body is ${size} bytes; events are at most ${MAX_SNS_MESSAGE_BYTES}`);
    }
    const read = readIncomingMessage(message);
    if (!read.ok) return this.actions().deadLetter(item, read.code, read.reason);
    this.emit('received', { messageId, receiveCount: read.message.receiveCount });
    const type = typeof read.message.body === 'object' && read.message.body !== null ? (read.message.body as { type?: unknown }).type : undefined;
    const registration = typeof type === 'string' ? this.handlers.get(type) : undefined;
    const decoded = decodeEnvelope(this.options.catalog, read.message.body, registration?.version);
    if (!decoded.ok) return this.actions().deadLetter(item, decoded.code, decoded.reason, decoded.eventId, decoded.type);
    const { envelope } = decoded;
    if (!registration) {
      return this.actions().deadLetter(item, 'NO_HANDLER', `No handler for ${envelope.type} on ${this.options.queueUrl}`, envelope.id, envelope.type);
    }
    if (this.inFlightEventIds.has(envelope.id) || (await this.store.has(envelope.id))) {
      // The first copy is handled (or being handled and will come back if it fails): drop this one.
      this.emit('duplicate', { envelope });
      return this.actions().delete(item);
    }
    await this.handle(item, registration, envelope, read.message.receiveCount, read.message.traceparent);
  }

  private async handle(item: InFlight, registration: Registration, envelope: EventEnvelope, receiveCount: number, traceparent: string | undefined): Promise<void> {
    const { message } = item;
    const started = performance.now();
    const heartbeat = this.actions().startHeartbeat(item);
    this.inFlightEventIds.add(envelope.id);
    const traceContext = contextFromTraceparent(traceparent);
    const context: HandlerContext = { messageId: message.MessageId ?? '', receiveCount, traceContext, traceparent, signal: this.handlerAbort.signal };
    try {
      await otelContext.with(traceContext, () => registration.handler(envelope, context));
      await this.store.add(envelope.id, this.settings.idempotencyWindowMs);
      this.emit('handled', { envelope, durationMs: performance.now() - started, latencyMs: Date.now() - Date.parse(envelope.time) });
      await this.actions().delete(item);
    } catch (error) {
      const durationMs = performance.now() - started;
      this.emit('failed', { envelope, error, receiveCount, durationMs });
      this.logger.warn({ err: error, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, receiveCount }, 'handler failed');
      if (item.abandoned) return;
      if (receiveCount >= this.actions().maxReceiveCount) {
        await this.actions().deadLetter(item, 'HANDLER_FAILED', `Handler failed ${receiveCount} times: ${error instanceof Error ? error.message : String(error)}`, envelope.id, envelope.type);
      } else {
        const delaySeconds = Math.round(backoffDelayMs(receiveCount - 1, this.settings.retryBaseSeconds * 1000, this.settings.retryMaxSeconds * 1000) / 1000);
        await this.actions().changeVisibility(message, delaySeconds);
        this.emit('retried', { envelope, receiveCount, delaySeconds });
      }
    } finally {
      clearInterval(heartbeat);
      this.inFlightEventIds.delete(envelope.id);
    }
  }

  private actions(): QueueActions {
    if (!this.queueActions) throw new Error('unreachable: messages arrive only after start()');
    return this.queueActions;
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
