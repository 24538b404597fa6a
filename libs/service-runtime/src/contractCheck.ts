import { checkConsumerReads, resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { z } from 'zod';
import { createAwsClients } from './awsClients';
import { EventStreams } from './EventStreams';
import type { baseEnvSchema } from './config';
import { createLogger } from './logger';
import type { ServiceDefinition } from './startService';

type BaseConfig = z.output<ReturnType<typeof baseEnvSchema>>;

/**
 * The consumer side of the contract, for a CI test: builds the service as it runs (no request is
 * made), takes the (type, version) pairs its subscribers really read, and checks each against the
 * catalog's producers and against what the topology routes to that queue.
 */
export function serviceContractProblems<Config extends BaseConfig, C extends Catalog>(definition: ServiceDefinition<Config, C>, topology: TopologyDeclaration<C>): string[] {
  const placeholders = Object.fromEntries(
    (definition.requiredWithBroker ?? []).map((name) => [name, name.includes('ARN') ? 'arn:aws:sns:us-east-1:000000000000:contract-check' : 'http://127.0.0.1:9/000000000000/contract-check']),
  );
  const config = definition.envSchema.parse({ EVENTS_MODE: 'sns', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', ...placeholders });
  const parts = definition.build({ config, logger: createLogger(definition.name, 'silent'), clients: createAwsClients(config), streams: new EventStreams(), idempotencyStore: undefined });
  const queues = resolveTopology(topology, { prefix: 'check' }).queues.filter((q) => q.service === definition.name);
  const problems: string[] = [];
  const subscribers = Object.entries(parts.subscribers ?? {});
  for (const [key, { subscriber }] of subscribers) {
    const reads = subscriber.subscriptions;
    problems.push(...checkConsumerReads(topology.catalog, `${definition.name} (${key} queue)`, reads));
    const routed = queues.find((q) => q.key === key)?.reads ?? [];
    const sort = (list: readonly { type: string; version: number }[]) => list.map((r) => `${r.type} v${r.version}`).sort();
    if (JSON.stringify(sort(reads)) !== JSON.stringify(sort(routed))) {
      problems.push(`${definition.name} (${key} queue) subscribes to [${sort(reads).join(', ')}] but the topology routes [${sort(routed).join(', ')}] to it`);
    }
    // The reader the gate checks must be the one the subscriber decodes with.
    const shape = (reader: z.ZodType | undefined) => (reader ? JSON.stringify(z.toJSONSchema(reader, { io: 'input' })) : 'the whole schema');
    for (const read of reads) {
      const declared = routed.find((r) => r.type === read.type && r.version === read.version);
      if (declared && shape(declared.reader) !== shape(read.reader)) {
        problems.push(`${definition.name} (${key} queue) decodes ${read.type} v${read.version} with another reader than the topology declares`);
      }
    }
  }
  for (const queue of queues) {
    if (!subscribers.some(([key]) => key === queue.key)) problems.push(`the topology gives ${definition.name} a "${queue.key}" queue that it never consumes`);
  }
  return problems;
}
