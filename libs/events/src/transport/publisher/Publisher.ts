// Publishes typed events to their topics: validation, envelope, tracing, batching and retries until
// a deadline; or logs them in log-only mode.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Catalog, EventInput, EventTypeName } from '../../contract/catalog';
import { createEnvelope, getEventType } from '../../contract/codec';
import type { EventEnvelope, PublishMetadata } from '../../contract/envelope';
import type { EventVersionDefinition } from '../../contract/defineEvent';
import { buildAttributes, MAX_SNS_MESSAGE_BYTES, messageSize } from '../attributes';
import { PublishRejectedError, TransportConfigError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { causationFor } from '../causation';
import { endMessagingSpan, SpanKind, startMessagingSpan, traceparentOfSpan, type SpanShape } from '../tracing';
import { context as otelContext, trace, type Span } from '@opentelemetry/api';
import { MESSAGE_GROUP_ID } from './publishBatch';
import { TopicBatcher } from './TopicBatcher';
import { PackBatcher, packKeyOf } from './PackBatcher';
import { packBytesOf, packEntryBytes } from '../../contract/pack';

/** Where events go: SNS, or nowhere but the log (chosen explicitly, never by accident). */
export type PublisherTransport =
  | {
      mode: 'sns';
      sns: SNSClient;
      /** Topic ARN for each logical topic this service publishes to, e.g. `{ weather: 'arn:…' }`. */
      topicArns: Readonly<Record<string, string>>;
    }
  | { mode: 'log-only' };

export interface PublisherOptions<C extends Catalog> {
  catalog: C;
  /** This service's name; it must be the catalog's producer of every type it publishes. */
  source: string;
  transport: PublisherTransport;
  logger?: Logger;
  /**
   * The longest a partial batch waits for company while other PublishBatch requests to its topic are
   * in flight. With nothing in flight a publish leaves at once (with whatever else was published in
   * the same turn of the event loop): a lone publish waits for nothing. @defaultValue 2
   */
  batchWindowMs?: number;
  /** Give up (with {@link PublishTimeoutError}) once SNS has not acknowledged for this long. @defaultValue 30000 */
  deadlineMs?: number;
  /**
   * Longest wait for SNS's answer to one PublishBatch attempt; a broker that never answers costs
   * this much per attempt, so `publish()` settles within `deadlineMs` plus at most one attempt. @defaultValue 5000
   */
  attemptTimeoutMs?: number;
  /** First backoff ceiling; doubles per attempt with full jitter. @defaultValue 50 */
  retryBaseMs?: number;
  /** Largest backoff ceiling. @defaultValue 2000 */
  retryMaxMs?: number;
}

export interface PublishResult {
  /** The event id (the envelope's `id`). */
  id: string;
  /** SNS's message id; absent in log-only mode. */
  messageId?: string;
}

export interface PublishOptions extends PublishMetadata {
  /** W3C traceparent to send; by default the publish span's when an OpenTelemetry SDK traces, else none. */
  traceparent?: string;
}

/** Lifecycle of publishing, for logs and metrics: event name → listener arguments. */
export interface PublisherEvents {
  published: [{ envelope: EventEnvelope; messageId?: string; durationMs: number }];
  /**
   * Every publish that did not reach SNS: refused by the contract or the size limit (no envelope
   * then, if the data never made one), refused by SNS, or not acknowledged before the deadline.
   */
  'publish-failed': [{ type: string; envelope?: EventEnvelope; error: Error; reason: string; durationMs: number }];
  'publish-retried': [{ eventIds: readonly string[]; attempt: number; error: unknown }];
}

/**
 * Validates events against the catalog, wraps them in the envelope and publishes them to their
 * topic. `publish` resolves once SNS has acknowledged; it rejects with a typed error naming the
 * event id, and never drops an event silently.
 */
export class Publisher<C extends Catalog> extends EventEmitter<PublisherEvents> {
  private readonly batchers = new Map<string, TopicBatcher>();
  /** High-volume types' packers, by topic ARN. */
  private readonly packers = new Map<string, PackBatcher>();
  private readonly spanShapes = new Map<string, SpanShape>();
  private readonly logger: Logger;
  private closed = false;
  /** This process, as the producer of its events, and how many it has published: their `sequence`. */
  private readonly instance = randomUUID();
  private published = 0;

  constructor(private readonly options: PublisherOptions<C>) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.checkOptions();
    if (options.transport.mode === 'log-only') {
      this.logger.warn(
        { eventsMode: 'log-only', source: options.source },
        'EVENTS ARE NOT BEING PUBLISHED: log-only mode is on (no topic configured). Every event is logged in full and sent nowhere.',
      );
    }
  }

  get mode(): PublisherTransport['mode'] {
    return this.options.transport.mode;
  }

  /** Publishes data of the type's current version. */
  publish<T extends EventTypeName<C>>(type: T, data: EventInput<C, T>, options: PublishOptions = {}): Promise<PublishResult> {
    return this.publishEvent(type, undefined, data, options);
  }

  /** Publishes data of an explicit version, e.g. while consumers migrate to the next one. */
  publishVersion<T extends EventTypeName<C>, V extends keyof C[T]['versions'] & number>(
    type: T,
    version: V,
    data: EventInput<C, T, V>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    return this.publishEvent(type, version, data, options);
  }

  /** Sends whatever is waiting for a batch and waits for every publish in flight. */
  async flush(): Promise<void> {
    await Promise.all([...this.packers.values()].map((packer) => packer.flush()));
    await Promise.all([...this.batchers.values()].map((batcher) => batcher.flush()));
  }

  /** Refuses new publishes, then flushes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /**
   * One async step per publish: the contract, the envelope and the attributes are built
   * synchronously, then the event joins its topic's batch. A producer span (messaging conventions)
   * covers it; when an SDK traces, the event carries the span's context as `traceparent`.
   */
  private async publishEvent(type: string, version: number | undefined, data: unknown, options: PublishOptions): Promise<PublishResult> {
    const started = performance.now();
    let envelope: EventEnvelope | undefined;
    let span: Span | undefined;
    let messageId: string | undefined;
    try {
      if (this.closed) throw new PublishRejectedError('PUBLISHER_CLOSED', `Publisher is closed; ${type} was not published`);
      const definition = getEventType(this.options.catalog, type);
      const { transport } = this.options;
      const topicArn = transport.mode === 'sns' ? (transport.topicArns[definition.topic] ?? '') : '';
      span = startMessagingSpan(this.spanShape(type, definition.topic, topicArn), otelContext.active());
      const { traceparent: explicitTraceparent, ...explicit } = options;
      // Published while handling another event: caused by it, in its correlation.
      envelope = createEnvelope(this.options.catalog, {
        type,
        data: data as never,
        source: this.options.source,
        ...(version === undefined ? {} : { version }),
        metadata: { ...explicit, ...causationFor(explicit) },
        sequence: { instance: this.instance, n: ++this.published },
      });
      if (span.isRecording()) span.setAttributes({ 'messaging.message.id': envelope.id, 'messaging.message.conversation_id': envelope.correlationId });
      const versionDefinition = definition.versions[envelope.version];
      if (!versionDefinition) throw new Error(`unreachable: ${type} v${envelope.version} was validated`);
      const body = JSON.stringify(envelope);
      const traceparent = explicitTraceparent ?? traceparentOfSpan(span);
      const packBytes = transport.mode === 'sns' ? packBytesOf(definition) : undefined;
      if (packBytes !== undefined && transport.mode === 'sns') {
        messageId = await this.publishPacked(transport.sns, topicArn, envelope, versionDefinition, body, traceparent, packBytes);
        return this.acknowledged(span, envelope, started, messageId);
      }
      const attributes = buildAttributes(envelope, versionDefinition, traceparent);
      const size = messageSize(body, attributes);
      if (size > MAX_SNS_MESSAGE_BYTES) {
        // Refused rather than offloaded to S3: game events are small, and a huge one is a bug.
        throw new PublishRejectedError('EVENT_TOO_LARGE', `Event ${envelope.id} (${type}) is ${size} bytes; SNS accepts at most ${MAX_SNS_MESSAGE_BYTES}`, {
          eventIds: [envelope.id],
        });
      }
      if (transport.mode === 'log-only') {
        const logged = envelope;
        this.inSpan(span, () => this.logger.info({ event: logged, attributes, eventId: logged.id, eventType: type, correlationId: logged.correlationId }, 'event logged, not published (log-only mode)'));
      } else {
        const deadline = Date.now() + (this.options.deadlineMs ?? 30_000);
        const groupId = definition.ordering === undefined ? undefined : groupIdOf(envelope, definition.ordering.groupBy);
        const batcher = this.batcherFor(transport.sns, topicArn, groupId !== undefined);
        const eventId = envelope.id;
        const entry = { id: eventId, body, attributes, size, ...(groupId === undefined ? {} : { groupId }) };
        messageId = await new Promise<string | undefined>((resolve, reject) => batcher.add({ entry, deadline, resolve, reject }));
      }
      return this.acknowledged(span, envelope, started, messageId);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const reason = (failure as { code?: unknown }).code;
      const failed = { type, ...(envelope ? { envelope } : {}), error: failure, reason: typeof reason === 'string' ? reason : failure.name, durationMs: performance.now() - started };
      if (span) {
        endMessagingSpan(span, failure);
        this.inSpan(span, () => this.emit('publish-failed', failed));
      } else {
        this.emit('publish-failed', failed);
      }
      throw failure;
    }
  }

  /** SNS acknowledged (or the log took) the event: the span ends, listeners hear of it in its context. */
  private acknowledged(span: Span, envelope: EventEnvelope, started: number, messageId: string | undefined): PublishResult {
    endMessagingSpan(span);
    const published = { envelope, durationMs: performance.now() - started, ...(messageId === undefined ? {} : { messageId }) };
    // Listeners (logs, metrics) run in the publish span's context, so their lines carry its ids.
    if (this.listenerCount('published') > 0) this.inSpan(span, () => this.emit('published', published));
    return messageId === undefined ? { id: envelope.id } : { id: envelope.id, messageId };
  }

  /**
   * An event of a high-volume type joins its topic's packer, keyed by its type and filter
   * attribute values (the pack's attributes are then each event's). Resolves with the pack's
   * message id once SNS acknowledged the pack.
   */
  private publishPacked(sns: SNSClient, topicArn: string, envelope: EventEnvelope, versionDefinition: EventVersionDefinition, body: string, traceparent: string | undefined, packBytes: number): Promise<string | undefined> {
    const attributes = buildAttributes(envelope, versionDefinition, undefined);
    const packKey = packKeyOf(envelope.type, attributes, versionDefinition);
    const bodyBytes = Buffer.byteLength(body, 'utf8');
    const attributeBytes = messageSize('', attributes);
    const size = bodyBytes + attributeBytes + (traceparent === undefined ? 0 : traceparent.length + 'traceparentString'.length);
    if (size > MAX_SNS_MESSAGE_BYTES) {
      throw new PublishRejectedError('EVENT_TOO_LARGE', `Event ${envelope.id} (${envelope.type}) is ${size} bytes; SNS accepts at most ${MAX_SNS_MESSAGE_BYTES}`, { eventIds: [envelope.id] });
    }
    const packer = this.packerFor(sns, topicArn);
    const deadline = Date.now() + (this.options.deadlineMs ?? 30_000);
    return new Promise<string | undefined>((resolve, reject) =>
      packer.add({ eventId: envelope.id, body, traceparent, attributes, packKey, packBytes, entryBytes: packEntryBytes(bodyBytes, traceparent), attributeBytes, deadline, resolve, reject }),
    );
  }

  private packerFor(sns: SNSClient, topicArn: string): PackBatcher {
    let packer = this.packers.get(topicArn);
    if (!packer) {
      packer = new PackBatcher(this.batcherFor(sns, topicArn, false), 4);
      this.packers.set(topicArn, packer);
    }
    return packer;
  }

  private inSpan(span: Span, fn: () => void): void {
    otelContext.with(trace.setSpan(otelContext.active(), span), fn);
  }

  /** The span's name and its attributes known at creation, the same for every event of `type`: built once. */
  private spanShape(type: string, topicKey: string, topicArn: string): SpanShape {
    let shape = this.spanShapes.get(type);
    if (!shape) {
      const topic = topicArn.split(':').at(-1) || topicKey;
      shape = {
        name: `publish ${topic}`,
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'aws_sns', 'messaging.operation.type': 'send', 'messaging.operation.name': 'publish', 'messaging.destination.name': topic, 'game_mesh.event.type': type },
      };
      this.spanShapes.set(type, shape);
    }
    return shape;
  }

  private batcherFor(sns: SNSClient, topicArn: string, fifo: boolean): TopicBatcher {
    let batcher = this.batchers.get(topicArn);
    if (!batcher) {
      batcher = new TopicBatcher(sns, topicArn, {
        windowMs: this.options.batchWindowMs ?? 2,
        // A FIFO topic gets one request at a time: two in flight could land in either order.
        maxInFlight: fifo ? 1 : 8,
        retryBaseMs: this.options.retryBaseMs ?? 50,
        retryMaxMs: this.options.retryMaxMs ?? 2_000,
        attemptTimeoutMs: this.options.attemptTimeoutMs ?? 5_000,
        onRetry: (eventIds, attempt, error) => {
          this.logger.warn({ eventIds, attempt, err: error }, 'publish failed, retrying');
          this.emit('publish-retried', { eventIds, attempt, error });
        },
      });
      this.batchers.set(topicArn, batcher);
    }
    return batcher;
  }

  private checkOptions(): void {
    const { catalog, source, transport } = this.options;
    const problems: string[] = [];
    const produced = Object.entries(catalog).filter(([, definition]) => definition.producer === source);
    if (source.length === 0) problems.push('source must name this service');
    if (transport.mode === 'sns') {
      for (const [type, definition] of produced) {
        const arn = transport.topicArns[definition.topic];
        if (arn === undefined || !arn.startsWith('arn:')) {
          problems.push(`topicArns.${definition.topic} must be the ARN of the topic for ${type} (got ${JSON.stringify(arn)})`);
        }
      }
    }
    for (const [name, value] of [['batchWindowMs', this.options.batchWindowMs], ['deadlineMs', this.options.deadlineMs], ['retryBaseMs', this.options.retryBaseMs], ['retryMaxMs', this.options.retryMaxMs], ['attemptTimeoutMs', this.options.attemptTimeoutMs]] as const) {
      if (value !== undefined && (!Number.isFinite(value) || value < 0)) problems.push(`${name} must be a number ≥ 0`);
    }
    if (problems.length > 0) throw new TransportConfigError('INVALID_OPTIONS', `Publisher options are invalid:\n- ${problems.join('\n- ')}`);
  }
}

/** An ordered type's message group: its `groupBy` field, held to AWS's rule for group ids. */
function groupIdOf(envelope: EventEnvelope, groupBy: string): string {
  const value = (envelope.data as Record<string, unknown>)[groupBy];
  if (typeof value !== 'string' || !MESSAGE_GROUP_ID.test(value)) {
    throw new PublishRejectedError('PUBLISH_REJECTED', `Event ${envelope.id} (${envelope.type}): its ordering field ${groupBy} must be 1-128 letters, digits or punctuation to be a message group; got ${JSON.stringify(value)}`, {
      eventIds: [envelope.id],
    });
  }
  return value;
}
