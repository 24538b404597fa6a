// The AsyncAPI 3.0 document of the topology, with SNS and SQS bindings.
import { resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { contractPaths, type VersionContract } from './schemas';

const messageId = (c: { type: string; version: number }) => `${c.type}.v${c.version}`;

/**
 * AsyncAPI 3.0: a channel per topic (SNS) and per queue (SQS), a send operation per producer and
 * a receive operation per consuming queue, with SNS/SQS bindings and the JSON Schemas as payloads.
 * Names carry `{prefix}`, the environment prefix.
 */
export function asyncApiDocument<C extends Catalog>(topology: TopologyDeclaration<C>, contracts: readonly VersionContract[], version: string): object {
  const resolved = resolveTopology(topology, { prefix: 'prefix' });
  const name = (physical: string) => physical.replace(/^prefix-/, '{prefix}-');
  const prefixParameter = { prefix: { description: 'Environment prefix, e.g. local, staging, prod.', examples: ['local', 'prod'] } };
  const ref = (c: VersionContract) => ({ $ref: `#/components/messages/${messageId(c)}` });
  const channels: Record<string, object> = {};
  const operations: Record<string, object> = {};

  for (const topic of resolved.topics) {
    const onTopic = contracts.filter((c) => c.topic === topic.key);
    channels[`topic.${topic.key}`] = {
      address: name(topic.name),
      title: `SNS topic ${name(topic.name)}`,
      description: `Events published by ${topic.producer}.`,
      parameters: prefixParameter,
      messages: Object.fromEntries(onTopic.map((c) => [messageId(c), ref(c)])),
      // An ordered type's topic is FIFO: deduplication ids are the event ids, not the content.
      bindings: { sns: { name: name(topic.name), ordering: { type: topic.fifo ? 'FIFO' : 'standard', contentBasedDeduplication: false }, bindingVersion: '0.1.0' } },
    };
    const subscribers = resolved.queues.flatMap((queue) => queue.subscriptions.filter((s) => s.topicKey === topic.key).map((s) => ({ queue, filterPolicy: s.filterPolicy })));
    operations[`${topic.producer}.publish`] = {
      action: 'send',
      title: `${topic.producer} publishes to ${name(topic.name)}`,
      channel: { $ref: `#/channels/topic.${topic.key}` },
      messages: onTopic.map((c) => ({ $ref: `#/channels/topic.${topic.key}/messages/${messageId(c)}` })),
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
      messages: Object.fromEntries(reads.map((c) => [messageId(c), ref(c)])),
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
      messages: reads.map((c) => ({ $ref: `#/channels/${channelId}/messages/${messageId(c)}` })),
    };
  }
  const messages = Object.fromEntries(
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
