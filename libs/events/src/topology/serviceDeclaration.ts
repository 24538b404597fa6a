// The schema of apps/<name>/service.json, and the topology of a set of declared services.
import { z } from 'zod';
import type { Catalog, EventTypeName } from '../contract/catalog';
import { ContractError } from '../contract/errors';
import { NAME_PATTERN, NAME_RULE } from '../contract/names';
import { defineTopology, type ConsumerDeclaration, type TopologyDeclaration } from './defineTopology';
import type { FilterConditions } from './filterPolicy';


const subscriptionSchema = z
  .object({
    type: z.string().min(1).describe('The event type, e.g. "time.changed".'),
    version: z.int().min(1).optional().describe('The version this service reads; older ones are upcast. Default: the current one.'),
    filter: z.record(z.string(), z.array(z.unknown())).optional().describe('SNS filter conditions on the type\'s filter attributes, e.g. {"intensity": [{"numeric": [">=", 0.8]}]}.'),
    reads: z.array(z.string().min(1)).min(1).optional().describe('The fields of data this service reads (a tolerant reader). Default: all of them.'),
  })
  .strict();

const queueSchema = z
  .object({
    subscriptions: z.array(subscriptionSchema).min(1),
    maxReceiveCount: z.int().optional(),
    visibilityTimeoutSeconds: z.int().optional(),
  })
  .strict();

/**
 * Everything the stack needs to know of one service, declared once in `apps/<name>/service.json`:
 * its port, what it publishes, what it consumes (queues, types, versions, broker-side filters, the
 * fields it reads, queue settings) and how it scales (absent: exactly one task — a clock, a
 * simulation). The topology, `npm start`, compose, the Dockerfiles, the CDK stacks, the ops CLI and
 * the contract checks all derive from the set of these files.
 */
export const serviceDeclarationSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(NAME_PATTERN, NAME_RULE),
    description: z.string().min(1),
    port: z.int().min(1024).max(65_535),
    publishes: z.array(z.string().min(1)).default([]).describe('Event types this service publishes: exactly those the catalog gives it as producer.'),
    consumes: z
      .record(z.string().regex(NAME_PATTERN, `queue keys are ${NAME_RULE}`), queueSchema)
      .default({})
      .describe('Queues by key; "main" is the service\'s default queue, any other key a second queue (e.g. one with a filter).'),
    scaling: z.object({ minTasks: z.int().min(1), maxTasks: z.int().min(1), backlogPerTask: z.int().min(1) }).strict().optional(),
  })
  .strict();

export type ServiceDeclaration = z.output<typeof serviceDeclarationSchema>;

/** Each issue of a failed parse as `at: field: message`. */
export function issuesOf(error: z.ZodError, at: string): string[] {
  return error.issues.map((i) => `${at}: ${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** Parses one declaration; every problem is named with `at` (e.g. the file) in front. */
export function parseServiceDeclaration(value: unknown, at: string): ServiceDeclaration {
  const parsed = serviceDeclarationSchema.safeParse(value);
  if (!parsed.success) throw new ContractError('CATALOG_INVALID', `Invalid service declaration:\n- ${issuesOf(parsed.error, at).join('\n- ')}`);
  return parsed.data;
}

/** The reader schema a field list stands for: those fields of the version's schema. */
export function readerOf(catalog: Catalog, type: string, version: number, fields: readonly string[]): z.ZodType {
  const schema = catalog[type]?.versions[version]?.schema;
  if (!(schema instanceof z.ZodObject)) throw new ContractError('CATALOG_INVALID', `${type} v${version} has no object schema to read fields of`);
  return schema.pick(Object.fromEntries(fields.map((field) => [field, true])) as Record<string, true>);
}

/** Whether the type and version exist (else defineTopology names the problem). */
const readable = (catalog: Catalog, type: string, version: number | undefined): boolean =>
  Object.hasOwn(catalog, type) && catalog[type]!.versions[version ?? catalog[type]!.current] !== undefined;

/**
 * The topology of a set of services, checked: every published type is the service's in the catalog
 * (and every type the catalog gives a declared service is published by it), every field read
 * exists in the version read, every filter is one SNS accepts (see {@link defineTopology}).
 */
export function topologyOfServices<const C extends Catalog>(catalog: C, services: readonly ServiceDeclaration[]): TopologyDeclaration<C> {
  const problems: string[] = [];
  const names = new Set(services.map((s) => s.name));
  for (const service of services) {
    for (const type of service.publishes) {
      const definition = Object.hasOwn(catalog, type) ? catalog[type] : undefined;
      if (!definition) problems.push(`${service.name} publishes "${type}", which the catalog does not define (add it to libs/events/src/contract)`);
      else if (definition.producer !== service.name) problems.push(`${service.name} publishes "${type}", which the catalog gives to ${definition.producer}`);
    }
    for (const [queue, declaration] of Object.entries(service.consumes)) {
      for (const subscription of declaration.subscriptions) {
        const definition = Object.hasOwn(catalog, subscription.type) ? catalog[subscription.type] : undefined;
        const version = subscription.version ?? definition?.current;
        const schema = version === undefined ? undefined : definition?.versions[version]?.schema;
        if (!subscription.reads || !(schema instanceof z.ZodObject)) continue;
        for (const field of subscription.reads) {
          if (!Object.hasOwn(schema.shape, field)) problems.push(`${service.name}.${queue}: reads "${field}" of ${subscription.type} v${version}, which has only ${Object.keys(schema.shape).join(', ')}`);
        }
      }
    }
  }
  for (const [type, definition] of Object.entries(catalog)) {
    const producer = services.find((s) => s.name === definition.producer);
    if (names.has(definition.producer) && producer && !producer.publishes.includes(type)) {
      problems.push(`the catalog gives "${type}" to ${definition.producer}, whose declaration does not list it in "publishes"`);
    }
  }
  if (problems.length > 0) throw new ContractError('CATALOG_INVALID', `Service declarations disagree with the catalog:\n- ${problems.join('\n- ')}`);
  const consumers: Record<string, ConsumerDeclaration<C>> = {};
  for (const service of services) {
    if (Object.keys(service.consumes).length === 0) continue;
    consumers[service.name] = Object.fromEntries(
      Object.entries(service.consumes).map(([key, queue]) => [
        key,
        {
          ...(queue.maxReceiveCount === undefined ? {} : { maxReceiveCount: queue.maxReceiveCount }),
          ...(queue.visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds }),
          subscriptions: queue.subscriptions.map((s) => ({
            type: s.type as EventTypeName<C>,
            ...(s.version === undefined ? {} : { version: s.version }),
            ...(s.filter === undefined ? {} : { filter: s.filter as FilterConditions }),
            ...(s.reads === undefined || !readable(catalog, s.type, s.version) ? {} : { reads: readerOf(catalog, s.type, s.version ?? catalog[s.type]!.current, s.reads) }),
          })),
        },
      ]),
    );
  }
  return defineTopology({ catalog, consumers });
}
