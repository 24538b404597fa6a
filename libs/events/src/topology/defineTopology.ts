// The topology declaration (topics, queues, subscriptions, filters), checked, and resolved into
// names with a prefix.
import type { z } from 'zod';
import type { Catalog, EventTypeName } from '../contract/catalog';
import { ContractError } from '../contract/errors';
import { NAME_PATTERN, NAME_RULE } from '../contract/names';
import { MIN_VISIBILITY_TIMEOUT_SECONDS } from '../transport/subscriber/queueInfo';
import { validateFilterPolicy, valuesOffThresholds, type FilterConditions, type FilterPolicy } from './filterPolicy';

/** One event type a queue receives, optionally narrowed by attribute conditions at the broker. */
export interface SubscriptionDeclaration<C extends Catalog> {
  type: EventTypeName<C>;
  /** The version the consumer reads (older ones are upcast). @defaultValue the type's current version */
  version?: number;
  /** SNS filter conditions on the type's filter attributes, e.g. `{ intensity: [{ numeric: ['>=', 0.8] }] }`. */
  filter?: FilterConditions;
  /**
   * The reader schema: the fields of `data` this consumer reads, e.g. a `.pick()` of the version's
   * schema. The subscriber decodes with it (a tolerant reader: fields it does not read may change or
   * go), and the contract gate checks it against every version a producer may send.
   * @defaultValue the whole schema of the version read
   */
  reads?: z.ZodType;
}

export interface QueueDeclaration<C extends Catalog> {
  subscriptions: readonly SubscriptionDeclaration<C>[];
  /** Receives before a message moves to the DLQ. @defaultValue 5 */
  maxReceiveCount?: number;
  /** @defaultValue 30 */
  visibilityTimeoutSeconds?: number;
}

/** Queues of one consuming service, by key. The key `main` names the service's default queue. */
export type ConsumerDeclaration<C extends Catalog> = Readonly<Record<string, QueueDeclaration<C>>>;

export interface TopologyDeclaration<C extends Catalog> {
  catalog: C;
  consumers: Readonly<Record<string, ConsumerDeclaration<C>>>;
}

export interface ResolvedTopic {
  key: string;
  /** With `.fifo` at the end when `fifo`. */
  name: string;
  producer: string;
  /** An SNS FIFO topic: its types declare `ordering`. */
  fifo: boolean;
}

export interface ResolvedSubscription {
  topicKey: string;
  filterPolicy: FilterPolicy;
}

export interface ResolvedQueue {
  service: string;
  key: string;
  name: string;
  deadLetterQueueName: string;
  /** A FIFO queue (and FIFO DLQ): it reads ordered types, from FIFO topics. */
  fifo: boolean;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** Types and the versions this queue's consumer reads (`pinned`: declared, not defaulted to current), with its reader schema and its filter where it declares them. */
  reads: readonly { type: string; version: number; pinned: boolean; reader?: z.ZodType; filter?: FilterConditions }[];
  subscriptions: readonly ResolvedSubscription[];
}

export interface ResolvedTopology {
  prefix: string;
  topics: readonly ResolvedTopic[];
  queues: readonly ResolvedQueue[];
}

export const TOPOLOGY_DEFAULTS = { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 } as const;

/** Checks a declaration once: every type exists, every filter is one SNS accepts. */
export function defineTopology<const C extends Catalog>(declaration: TopologyDeclaration<C>): TopologyDeclaration<C> {
  const problems: string[] = [];
  for (const [service, queues] of Object.entries(declaration.consumers)) {
    if (!NAME_PATTERN.test(service)) problems.push(`${service}: service names are ${NAME_RULE}`);
    for (const [key, queue] of Object.entries(queues)) {
      const at = `${service}.${key}`;
      if (!NAME_PATTERN.test(key)) problems.push(`${at}: queue keys are ${NAME_RULE}`);
      if (queue.subscriptions.length === 0) problems.push(`${at}: a queue needs at least one subscription`);
      const { maxReceiveCount = 5, visibilityTimeoutSeconds = 30 } = queue;
      if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) problems.push(`${at}: maxReceiveCount must be between 1 and 1000`);
      if (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds < MIN_VISIBILITY_TIMEOUT_SECONDS || visibilityTimeoutSeconds > 43_200) {
        problems.push(`${at}: visibilityTimeoutSeconds must be between ${MIN_VISIBILITY_TIMEOUT_SECONDS} and 43200 (a heartbeat cannot keep a shorter one alive)`);
      }
      problems.push(...queue.subscriptions.flatMap((subscription) => checkSubscription(declaration.catalog, at, subscription)));
      const ordered = new Set(queue.subscriptions.map((s) => declaration.catalog[s.type]?.ordering !== undefined));
      if (ordered.size > 1) problems.push(`${at}: reads ordered and unordered types; SNS FIFO topics deliver only to FIFO queues, so give the ordered types a queue key of their own`);
    }
  }
  if (problems.length === 0) {
    // Combined policies (one per queue and topic) must also be valid.
    for (const queue of resolveTopology(declaration, { prefix: 'check' }).queues) {
      for (const subscription of queue.subscriptions) {
        problems.push(...validateFilterPolicy(subscription.filterPolicy).map((p) => `${queue.service}.${queue.key} ← ${subscription.topicKey}: ${p}`));
      }
    }
  }
  if (problems.length > 0) throw new ContractError('CATALOG_INVALID', `Topology is invalid:\n- ${problems.join('\n- ')}`);
  return declaration;
}

function checkSubscription<C extends Catalog>(catalog: C, at: string, subscription: SubscriptionDeclaration<C>): string[] {
  const definition = Object.hasOwn(catalog, subscription.type) ? catalog[subscription.type] : undefined;
  if (!definition) return [`${at}: subscribes to "${subscription.type}", which no producer in the catalog publishes`];
  const problems: string[] = [];
  const version = subscription.version ?? definition.current;
  const versionDefinition = definition.versions[version];
  if (!versionDefinition) problems.push(`${at}: ${subscription.type} has no version ${version}`);
  for (const attribute of Object.keys(subscription.filter ?? {})) {
    const declared = Object.values(definition.versions).some((v) => Object.hasOwn(v.filterAttributes ?? {}, attribute));
    if (!declared) problems.push(`${at}: filter on "${attribute}", which ${subscription.type} does not publish as an attribute`);
    // A declared cut point is the only value a filter may compare the attribute with (packs are cut there).
    const values: unknown = (subscription.filter as Record<string, unknown> | undefined)?.[attribute];
    for (const thresholds of new Set(Object.values(definition.versions).map((v) => v.filterAttributes?.[attribute]?.thresholds))) {
      if (thresholds !== undefined && Array.isArray(values)) problems.push(...valuesOffThresholds(values, thresholds, `${at} (${subscription.type}): ${attribute}`));
    }
  }
  problems.push(...validateFilterPolicy({ type: [subscription.type], ...subscription.filter }).map((p) => `${at} (${subscription.type}): ${p}`));
  return problems;
}

/** Physical names for one environment; the prefix goes in front of every name. */
export function resolveTopology<C extends Catalog>(declaration: TopologyDeclaration<C>, options: { prefix: string }): ResolvedTopology {
  const { prefix } = options;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(prefix)) {
    throw new ContractError('CATALOG_INVALID', `Environment prefix "${prefix}" must be 1-20 lower-case letters, digits or dashes, starting with a letter`);
  }
  const topics = new Map<string, ResolvedTopic>();
  for (const definition of Object.values(declaration.catalog)) {
    const fifo = definition.ordering !== undefined;
    topics.set(definition.topic, { key: definition.topic, name: `${prefix}-${definition.topic}${fifo ? '.fifo' : ''}`, producer: definition.producer, fifo });
  }
  const queues: ResolvedQueue[] = [];
  for (const [service, consumer] of Object.entries(declaration.consumers)) {
    for (const [key, queue] of Object.entries(consumer)) {
      const base = key === 'main' ? `${prefix}-${service}` : `${prefix}-${service}-${key}`;
      const fifo = queue.subscriptions.some((s) => declaration.catalog[s.type]?.ordering !== undefined);
      const suffix = fifo ? '.fifo' : '';
      queues.push({
        service,
        key,
        name: `${base}${suffix}`,
        deadLetterQueueName: `${base}-dlq${suffix}`,
        fifo,
        maxReceiveCount: queue.maxReceiveCount ?? TOPOLOGY_DEFAULTS.maxReceiveCount,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds ?? TOPOLOGY_DEFAULTS.visibilityTimeoutSeconds,
        reads: queue.subscriptions.map((s) => ({
          type: s.type,
          version: s.version ?? declaration.catalog[s.type]?.current ?? 1,
          pinned: s.version !== undefined,
          ...(s.reads ? { reader: s.reads } : {}),
          ...(s.filter && Object.keys(s.filter).length > 0 ? { filter: s.filter as FilterConditions } : {}),
        })),
        subscriptions: subscriptionsByTopic(declaration.catalog, queue.subscriptions),
      });
    }
  }
  return { prefix, topics: [...topics.values()], queues };
}

/** One SNS subscription per (topic, queue); several types on one topic share it through `$or`. */
function subscriptionsByTopic<C extends Catalog>(catalog: C, subscriptions: readonly SubscriptionDeclaration<C>[]): ResolvedSubscription[] {
  const byTopic = new Map<string, SubscriptionDeclaration<C>[]>();
  for (const subscription of subscriptions) {
    const topic = catalog[subscription.type]?.topic;
    if (topic === undefined) continue;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), subscription]);
  }
  return [...byTopic.entries()].map(([topicKey, list]) => ({ topicKey, filterPolicy: combine(list) }));
}

function combine<C extends Catalog>(list: readonly SubscriptionDeclaration<C>[]): FilterPolicy {
  const unfiltered = list.filter((s) => s.filter === undefined || Object.keys(s.filter).length === 0);
  const filtered = list.filter((s) => !unfiltered.includes(s));
  const branches: FilterConditions[] = [];
  if (unfiltered.length > 0) branches.push({ type: [...new Set(unfiltered.map((s) => s.type))] });
  for (const s of filtered) branches.push({ type: [s.type], ...s.filter });
  const [only] = branches;
  return branches.length === 1 && only ? only : { $or: branches };
}
