// SNS/SQS message attributes and AWS limits: what is published with each event, and what is read
// back.
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { EventVersionDefinition } from '../contract/defineEvent';
import type { EventEnvelope } from '../contract/envelope';

/** SNS limit for one message, body and attributes together; also the PublishBatch total. */
export const MAX_SNS_MESSAGE_BYTES = 262_144;
export const MAX_PUBLISH_BATCH_ENTRIES = 10;

export type StringAttributes = Record<string, MessageAttributeValue>;

/**
 * The attributes of an outgoing event, only those someone reads: `type` (every subscription's
 * filter policy names it), the trace context when there is a trace (the consumer's span is its
 * child), and the attributes the event version declares for filter policies. Version and source travel in the
 * envelope only: no filter can name them (declarations filter on declared attributes) and no
 * reader asks for them, and every attribute costs each message serialisation on both ends.
 */
export function buildAttributes(
  envelope: EventEnvelope,
  definition: EventVersionDefinition,
  traceparent: string | undefined,
): StringAttributes {
  const attributes: StringAttributes = { type: { DataType: 'String', StringValue: envelope.type } };
  if (traceparent !== undefined) attributes['traceparent'] = { DataType: 'String', StringValue: traceparent };
  for (const [name, attribute] of filterAttributesOf(definition)) {
    attributes[name] = { DataType: attribute.dataType, StringValue: String(attribute.select(envelope.data)) };
  }
  return attributes;
}

type FilterAttributeEntries = [string, NonNullable<EventVersionDefinition['filterAttributes']>[string]][];
/** A version's filter attributes as a list, built once per version definition (publishing walks it for every event). */
const filterAttributeLists = new WeakMap<EventVersionDefinition, FilterAttributeEntries>();
function filterAttributesOf(definition: EventVersionDefinition): FilterAttributeEntries {
  let list = filterAttributeLists.get(definition);
  if (list === undefined) {
    list = Object.entries(definition.filterAttributes ?? {});
    filterAttributeLists.set(definition, list);
  }
  return list;
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
