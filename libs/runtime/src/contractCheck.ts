// The consumer side of the contract, for each app's contract test.
import { checkConsumerReads, resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { z } from 'zod';
import { EventStreams } from './EventStreams';
import { createLogger } from './logger';
import type { AnyServiceDefinition, ServiceConfig } from './serviceDefinition';
import { brokerVariables, buildPublisher, buildSubscribers, envSchemaOf } from './wiring';

/**
 * Builds the service as it runs (no request is made), takes the (type, version) pairs and reader
 * schemas its subscribers really decode with, and checks each against the catalog's producers and
 * against what the topology routes to that queue.
 */
export function serviceContractProblems<C extends Catalog>(definition: AnyServiceDefinition, topology: TopologyDeclaration<C>): string[] {
  const { declaration } = definition.declared;
  const name = declaration.name;
  const placeholders = Object.fromEntries(
    brokerVariables(declaration).required.map((variable) => [variable, variable.includes('ARN') ? 'arn:aws:sns:us-east-1:000000000000:contract-check' : 'http://127.0.0.1:9/000000000000/contract-check']),
  );
  const config = envSchemaOf(definition).parse({ EVENTS_MODE: 'sns', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', ...placeholders }) as ServiceConfig<z.ZodRawShape>;
  const logger = createLogger(name, 'silent');
  const publisher = buildPublisher(definition.declared.catalog, declaration, config, undefined, logger)?.publisher;
  const parts = definition.build({ config, logger, publisher, streams: new EventStreams(), queueDepths: async () => ({}) });
  const sqs = { send: () => Promise.reject(new Error('the contract check sends nothing')) } as never;
  const wired = buildSubscribers(definition.declared, parts.handlers, config, { sqs, idempotencyStore: undefined }, logger);
  const queues = resolveTopology(topology as unknown as TopologyDeclaration<Catalog>, { prefix: 'check' }).queues.filter((q) => q.service === name);
  const problems: string[] = [];
  for (const [key, { subscriber }] of Object.entries(wired)) {
    const reads = subscriber.subscriptions;
    problems.push(...checkConsumerReads(topology.catalog, `${name} (${key} queue)`, reads));
    const routed = queues.find((q) => q.key === key)?.reads ?? [];
    const sort = (list: readonly { type: string; version: number }[]) => list.map((r) => `${r.type} v${r.version}`).sort();
    if (JSON.stringify(sort(reads)) !== JSON.stringify(sort(routed))) {
      problems.push(`${name} (${key} queue) subscribes to [${sort(reads).join(', ')}] but the topology routes [${sort(routed).join(', ')}] to it`);
    }
    // The reader the gate checks must be the one the subscriber decodes with.
    const shape = (reader: z.ZodType | undefined) => (reader ? JSON.stringify(z.toJSONSchema(reader, { io: 'input' })) : 'the whole schema');
    for (const read of reads) {
      const declared = routed.find((r) => r.type === read.type && r.version === read.version);
      if (declared && shape(declared.reader) !== shape(read.reader)) {
        problems.push(`${name} (${key} queue) decodes ${read.type} v${read.version} with another reader than the topology declares`);
      }
    }
  }
  for (const queue of queues) {
    if (!Object.hasOwn(wired, queue.key)) problems.push(`the topology gives ${name} a "${queue.key}" queue that it never consumes`);
  }
  return problems;
}
