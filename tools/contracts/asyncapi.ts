// The AsyncAPI 3.0 document of the topology, with SNS and SQS bindings.
import { resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { contractPaths, type VersionContract } from './schemas';

const messageId = (c: { type: string; version: number }) => `${c.type}.v${c.version}`;
/** A high-volume type's events also travel packed: a second message, `<type>.v<N>.packed`. */
const packedId = (c: VersionContract) => `${messageId(c)}.packed`;
const isPacked = (c: VersionContract) => c.schema['x-packing'] !== undefined;
/** The messages one version travels as: the event alone, and for a high-volume type also the pack. */
const messageIds = (c: VersionContract) => (isPacked(c) ? [messageId(c), packedId(c)] : [messageId(c)]);

/**
 * AsyncAPI 3.0: a channel per topic (SNS) and per queue (SQS), a send operation per producer and
 * a receive operation per consuming queue, with SNS/SQS bindings and the JSON Schemas as payloads.
 * Names carry `{prefix}`, the environment prefix.
 */
export function asyncApiDocument<C extends Catalog>(topology: TopologyDeclaration<C>, contracts: readonly VersionContract[], version: string): object {
  const resolved = resolveTopology(topology, { prefix: 'prefix' });
  const name = (physical: string) => physical.replace(/^prefix-/, '{prefix}-');
  const prefixParameter = { prefix: { description: 'Environment prefix, e.g. local, staging, prod.', examples: ['local', 'prod'] } };
  const ref = (id: string) => ({ $ref: `#/components/messages/${id}` });
  const channels: Record<string, object> = {};
  const operations: Record<string, object> = {};

  for (const topic of resolved.topics) {
    const onTopic = contracts.filter((c) => c.topic === topic.key);
    channels[`topic.${topic.key}`] = {
      address: name(topic.name),
      title: `SNS topic ${name(topic.name)}`,
      description: `Events published by ${topic.producer}.`,
      parameters: prefixParameter,
      messages: Object.fromEntries(onTopic.flatMap(messageIds).map((id) => [id, ref(id)])),
      // An ordered type's topic is FIFO: deduplication ids are the event ids, not the content.
      bindings: { sns: { name: name(topic.name), ordering: { type: topic.fifo ? 'FIFO' : 'standard', contentBasedDeduplication: false }, bindingVersion: '0.1.0' } },
    };
    const subscribers = resolved.queues.flatMap((queue) => queue.subscriptions.filter((s) => s.topicKey === topic.key).map((s) => ({ queue, filterPolicy: s.filterPolicy })));
    operations[`${topic.producer}.publish`] = {
      action: 'send',
      title: `${topic.producer} publishes to ${name(topic.name)}`,
      channel: { $ref: `#/channels/topic.${topic.key}` },
      messages: onTopic.flatMap(messageIds).map((id) => ({ $ref: `#/channels/topic.${topic.key}/messages/${id}` })),
      bindings: {
        sns: {
          consumers: subscribers.map(({ queue, filterPolicy }) => ({
            protocol: 'sqs',
            endpoint: { name: name(queue.name) },
            // The binding's schema admits only string values in filterPolicy; SNS's numeric
            // conditions ({"numeric": [">=", 0.8]}) travel whole in the x-filterPolicy extension.
            ...(stringOnly(filterPolicy) ? { filterPolicy } : { 'x-filterPolicy': filterPolicy }),
            filterPolicyScope: 'MessageAttributes',
            rawMessageDelivery: true,
          })),
          bindingVersion: '0.1.0',
        },
      },
    };
  }
  for (const queue of resolved.queues) {
    const reads = contracts.filter((c) => queue.reads.some((r) => r.type === c.type && c.version <= r.version));
    const channelId = `queue.${queue.service}.${queue.key}`;
    channels[channelId] = {
      address: name(queue.name),
      title: `SQS queue ${name(queue.name)}`,
      description: `Queue of ${queue.service}; older versions are upcast to the version it reads.`,
      parameters: prefixParameter,
      messages: Object.fromEntries(reads.flatMap(messageIds).map((id) => [id, ref(id)])),
      bindings: {
        sqs: {
          queue: {
            name: name(queue.name),
            fifoQueue: queue.fifo,
            ...(queue.fifo ? { deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' } : {}),
            visibilityTimeout: queue.visibilityTimeoutSeconds,
            receiveMessageWaitTime: 20,
            redrivePolicy: { deadLetterQueue: { name: name(queue.deadLetterQueueName) }, maxReceiveCount: queue.maxReceiveCount },
          },
          deadLetterQueue: { name: name(queue.deadLetterQueueName), fifoQueue: queue.fifo, messageRetentionPeriod: 1_209_600 },
          bindingVersion: '0.2.0',
        },
      },
    };
    operations[`${queue.service}.consume.${queue.key}`] = {
      action: 'receive',
      title: `${queue.service} consumes ${name(queue.name)}`,
      channel: { $ref: `#/channels/${channelId}` },
      messages: reads.flatMap(messageIds).map((id) => ({ $ref: `#/channels/${channelId}/messages/${id}` })),
    };
  }
  const messages: Record<string, object> = Object.fromEntries(
    contracts.map((c) => [
      messageId(c),
      {
        name: c.type,
        title: `${c.type} v${c.version}`,
        summary: c.description,
        contentType: 'application/json',
        headers: {
          type: 'object',
          description: 'SNS/SQS message attributes.',
          properties: {
            type: { type: 'string', const: c.type },
            traceparent: { type: 'string', description: 'W3C trace context.' },
            ...Object.fromEntries(c.filterAttributes.map((a) => [a.name, { type: a.dataType === 'Number' ? 'number' : 'string', description: `${a.description} (for filter policies)` }])),
          },
        },
        payload: { $ref: contractPaths.schema(c.type, c.version) },
        examples: c.examples.map((payload, index) => ({ name: `example-${index + 1}`, payload })),
      },
    ]),
  );
  for (const c of contracts.filter(isPacked)) {
    const packing = c.schema['x-packing'] as { field: string; packBytes: number; groupedBy: string[]; thresholds?: Record<string, number[]> };
    const cuts = Object.entries(packing.thresholds ?? {}).map(([name, values]) => `${name} by where it lies among ${values.join(', ')} (the only values a filter may compare it with)`);
    const single = messages[messageId(c)] as { headers: { properties: Record<string, unknown> } };
    const { traceparent: _perEvent, ...headers } = single.headers.properties;
    messages[packedId(c)] = {
      name: `${c.type} (packed)`,
      title: `${c.type} v${c.version}, packed`,
      summary: `A high-volume type: events published while a request is in flight travel many to one message, up to ${packing.packBytes} bytes, grouped by ${packing.groupedBy.join(', ')}${cuts.length > 0 ? `, ${cuts.join('; ')}` : ''} (every filter policy decides the same for each event of a pack as for the pack: filters stay exact per event). A lone event travels alone, as ${messageId(c)}. Each event has its own claim, retry and DLQ entry; a dead-lettered event is parked alone, as ${messageId(c)}.`,
      contentType: 'application/json',
      headers: { type: 'object', description: 'SNS/SQS message attributes: the same for every event in the pack.', properties: headers },
      payload: {
        type: 'object',
        required: [packing.field],
        properties: {
          [packing.field]: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['event'],
              properties: { event: { $ref: contractPaths.schema(c.type, c.version) }, traceparent: { type: 'string', description: "W3C trace context of the event's publish span." } },
            },
          },
        },
      },
      examples: [{ name: 'pack-of-examples', payload: { [packing.field]: c.examples.map((event) => ({ event })) } }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Game event mesh',
      version,
      description: 'Events between the game services, over AWS SNS (one topic per producer) and SQS (one queue per consumer). Generated from libs/events by `npm run contracts`; do not edit.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

/** True when every condition of the policy is a plain string (what the SNS binding's schema admits). */
function stringOnly(policy: object): boolean {
  return Object.values(policy).every((conditions) => Array.isArray(conditions) && conditions.every((c) => typeof c === 'string'));
}
