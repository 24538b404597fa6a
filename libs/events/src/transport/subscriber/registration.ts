// What a subscriber registered for one event type (its handler, per event or per batch), and a
// received message once decoded and claimed for it.
import type { z } from 'zod';
import type { Catalog } from '../../contract/catalog';
import { getEventType } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import { TransportConfigError } from '../errors';
import { SpanKind, type SpanShape } from '../tracing';
import { checkHandlerTimeout } from './settings';
import type { Lease } from './InFlightMessages';
import type { BatchContext, BatchResult, HandlerContext } from './types';

/** One event type's handler on a subscriber, with what it decodes. */
export interface Registration {
  version: number;
  /** The longest its handler may run (the subscription's, else the subscriber's); undefined: no bound but the shutdown's. */
  handlerTimeoutMs?: number;
  /** `process <queue>` spans of this type. */
  spanShape: SpanShape;
  reader?: z.ZodType;
  /** One event at a time (`subscribe`), or up to a receive's worth of events of the type at once (`subscribeBatch`). */
  handler: { each: (event: EventEnvelope, context: HandlerContext) => void | Promise<void> } | { batch: (events: readonly EventEnvelope[], context: BatchContext) => BatchResult | Promise<BatchResult> };
}

/** A message decoded and claimed, ready for its handler. */
export interface Claimed {
  lease: Lease;
  registration: Registration;
  envelope: EventEnvelope;
  /** The event's claim in the store. */
  key: string;
  traceparent: string | undefined;
}

/**
 * The attributes the subscriber reads, and no others: AWS returns none unless asked, and each one
 * asked for is serialised by SQS and parsed by the SDK on every message.
 */
export const RECEIVE_ATTRIBUTES = {
  MessageAttributeNames: ['traceparent'],
  MessageSystemAttributeNames: ['ApproximateReceiveCount'],
} as const;

export interface RegistrationOptions {
  version?: number;
  reads?: z.ZodType;
  handlerTimeoutMs?: number | undefined;
}

/** One type's registration on the queue `queueName`, checked against the catalog (the version exists, the timeout is valid). */
export function createRegistration(catalog: Catalog, queueName: string, type: string, handler: Registration['handler'], options: RegistrationOptions): Registration {
  const definition = getEventType(catalog, type);
  const version = options.version ?? definition.current;
  if (!definition.versions[version]) throw new TransportConfigError('INVALID_OPTIONS', `${type} has no version ${version}`);
  checkHandlerTimeout(options.handlerTimeoutMs);
  const spanShape: SpanShape = {
    name: `process ${queueName}`,
    kind: SpanKind.CONSUMER,
    attributes: { 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'process', 'messaging.destination.name': queueName, 'game_mesh.event.type': type },
  };
  const timeoutMs = options.handlerTimeoutMs;
  return { version, spanShape, handler, ...(options.reads ? { reader: options.reads } : {}), ...(timeoutMs === undefined ? {} : { handlerTimeoutMs: timeoutMs }) };
}
