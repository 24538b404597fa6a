import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { EventVersionDefinition } from '../contract/defineEvent';
import type { EventEnvelope } from '../contract/envelope';

/** SNS limit for one message, body and attributes together; also the PublishBatch total. */
export const MAX_SNS_MESSAGE_BYTES = 262_144;
export const MAX_PUBLISH_BATCH_ENTRIES = 10;

export type StringAttributes = Record<string, MessageAttributeValue>;

/**
 * The attributes of an outgoing event: type, version and source for routing and filtering, the
 * trace context, and the attributes the event version declares for filter policies.
 */
export function buildAttributes(
  envelope: EventEnvelope,
  definition: EventVersionDefinition,
  traceparent: string,
): StringAttributes {
  const attributes: StringAttributes = {
    type: { DataType: 'String', StringValue: envelope.type },
    version: { DataType: 'Number', StringValue: String(envelope.version) },
    source: { DataType: 'String', StringValue: envelope.source },
    traceparent: { DataType: 'String', StringValue: traceparent },
  };
  for (const [name, attribute] of Object.entries(definition.filterAttributes ?? {})) {
    attributes[name] = { DataType: attribute.dataType, StringValue: String(attribute.select(envelope.data)) };
  }
  return attributes;
}

/** Bytes SNS counts for a message: the body plus each attribute's name, data type and value. */
export function messageSize(body: string, attributes: StringAttributes): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    size += Buffer.byteLength(value.StringValue ?? '', 'utf8') + (value.BinaryValue?.byteLength ?? 0);
  }
  return size;
}
