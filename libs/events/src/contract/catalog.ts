// The catalog: event types by name, checked once (names, versions, upcasters, filter attributes),
// and the types derived from it.
import { isFilterNumber } from '../topology/filterPolicy';
import type { z } from 'zod';
import {
  MAX_FILTER_ATTRIBUTES,
  RESERVED_ATTRIBUTE_NAMES,
  type EventTypeDefinition,
  type EventVersionDefinition,
} from './defineEvent';
import { ContractError } from './errors';
import { NAME_PATTERN, NAME_RULE } from './names';
import { MIN_PACK_BYTES, packBytesOf } from './pack';

/** SNS's limit for one message (transport/attributes.ts has it too; the contract does not import the transport). */
const MAX_MESSAGE_BYTES = 262_144;

/** Event types by name. Build one with {@link defineCatalog}. */
export type Catalog = Readonly<Record<string, EventTypeDefinition>>;

/** The event type names of a catalog. */
export type EventTypeName<C extends Catalog> = keyof C & string;
/** The versions declared for one type. */
export type EventVersionNumber<C extends Catalog, T extends EventTypeName<C>> = keyof C[T]['versions'] & number;
/** The version publishers emit by default for one type. */
export type CurrentVersion<C extends Catalog, T extends EventTypeName<C>> = C[T]['current'];

type VersionSchema<C extends Catalog, T extends EventTypeName<C>, V extends number> =
  C[T]['versions'][V] extends EventVersionDefinition<infer S> ? S : never;

/** The validated payload of (type, version): what a handler receives. */
export type EventData<
  C extends Catalog,
  T extends EventTypeName<C>,
  V extends number = CurrentVersion<C, T>,
> = z.output<VersionSchema<C, T, V>>;

/** What a publisher passes for (type, version), before defaults and transforms. */
export type EventInput<
  C extends Catalog,
  T extends EventTypeName<C>,
  V extends number = CurrentVersion<C, T>,
> = z.input<VersionSchema<C, T, V>>;

/**
 * Checks a catalog once, when it is declared, so a mistake fails at start-up and in tests rather
 * than at the broker: `current` must exist, versions must be whole numbers from 1 without gaps
 * (upcasting walks them one by one), filter attributes must fit the attribute budget, and every
 * example must match its schema.
 */
export function defineCatalog<const C extends Catalog>(catalog: C): C {
  const problems: string[] = [];
  const topicOf = new Map<string, string>();
  const producerOf = new Map<string, string>();
  const orderedOf = new Map<string, boolean>();
  for (const [type, definition] of Object.entries(catalog)) {
    // A FIFO topic takes only ordered types, a standard one only unordered ones.
    const ordered = orderedOf.get(definition.topic) ?? definition.ordering !== undefined;
    if (ordered !== (definition.ordering !== undefined)) problems.push(`${type}: topic "${definition.topic}" mixes ordered and unordered types; every type of a topic is ordered, or none is`);
    orderedOf.set(definition.topic, ordered);
    problems.push(...checkType(type, definition));
    // One topic per producer: a topic's subscribers then know who wrote every message on it.
    const topic = topicOf.get(definition.producer) ?? definition.topic;
    const producer = producerOf.get(definition.topic) ?? definition.producer;
    if (topic !== definition.topic) problems.push(`${type}: ${definition.producer} already publishes on topic "${topic}"; one topic per producer`);
    if (producer !== definition.producer) problems.push(`${type}: topic "${definition.topic}" belongs to ${producer}; one producer per topic`);
    topicOf.set(definition.producer, topic);
    producerOf.set(definition.topic, producer);
  }
  if (problems.length > 0) {
    throw new ContractError('CATALOG_INVALID', `Event catalog is invalid:\n- ${problems.join('\n- ')}`);
  }
  return catalog;
}

function checkType(type: string, definition: EventTypeDefinition): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$/.test(type)) {
    problems.push(`${type}: type must look like "domain.event" (lower case, dot separated)`);
  }
  if (!NAME_PATTERN.test(definition.topic)) {
    problems.push(`${type}: topic "${definition.topic}" must be ${NAME_RULE}`);
  }
  const packBytes = packBytesOf(definition);
  if (packBytes !== undefined && definition.ordering !== undefined) {
    problems.push(`${type}: highVolume and ordering do not go together (a pack would hold many message groups); order it, or pack it`);
  }
  if (packBytes !== undefined && (!Number.isInteger(packBytes) || packBytes < MIN_PACK_BYTES || packBytes > MAX_MESSAGE_BYTES)) {
    problems.push(`${type}: highVolume.packBytes must be a whole number from ${MIN_PACK_BYTES} to ${MAX_MESSAGE_BYTES} (SNS's message limit); got ${packBytes}`);
  }
  const versions = Object.keys(definition.versions).map(Number).sort((a, b) => a - b);
  versions.forEach((version, index) => {
    if (version !== index + 1) problems.push(`${type}: versions must be 1, 2, 3… without gaps; found ${versions.join(', ')}`);
  });
  if (!versions.includes(definition.current)) {
    problems.push(`${type}: current version ${definition.current} is not declared`);
  }
  for (const version of versions) {
    const versionDefinition = definition.versions[version];
    if (versionDefinition) problems.push(...checkVersion(`${type} v${version}`, versionDefinition));
    const groupBy = definition.ordering?.groupBy;
    const shape = versionDefinition && 'shape' in versionDefinition.schema ? (versionDefinition.schema.shape as Record<string, { type?: string; def?: { type?: string } }>) : undefined;
    if (groupBy !== undefined && shape?.[groupBy]?.def?.type !== 'string') {
      problems.push(`${type} v${version}: ordering.groupBy "${groupBy}" must be a required string field of data (the message group)`);
    }
  }
  return [...new Set(problems)];
}

function checkVersion(label: string, definition: EventVersionDefinition): string[] {
  const problems: string[] = [];
  const attributes = Object.keys(definition.filterAttributes ?? {});
  if (attributes.length > MAX_FILTER_ATTRIBUTES) {
    problems.push(`${label}: at most ${MAX_FILTER_ATTRIBUTES} filter attributes (SNS raw delivery passes 10 in all)`);
  }
  for (const name of attributes) {
    if ((RESERVED_ATTRIBUTE_NAMES as readonly string[]).includes(name)) {
      problems.push(`${label}: filter attribute "${name}" is reserved by the transport`);
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) problems.push(`${label}: filter attribute "${name}" is not a valid attribute name`);
    const { dataType, thresholds } = definition.filterAttributes![name]!;
    if (thresholds !== undefined) problems.push(...thresholdProblems(`${label}: filter attribute "${name}"`, dataType, thresholds));
  }
  definition.examples.forEach((example, index) => {
    const result = definition.schema.safeParse(example);
    if (!result.success) problems.push(`${label}: example ${index} does not match its schema: ${result.error.message}`);
  });
  return problems;
}

/** A `thresholds` list is a `Number` attribute's ascending cut points that SNS filters can name. */
function thresholdProblems(label: string, dataType: string, thresholds: readonly number[]): string[] {
  if (dataType !== 'Number') return [`${label}: thresholds are for Number attributes; a String one packs by its value`];
  if (!Array.isArray(thresholds) || thresholds.length === 0) return [`${label}: thresholds must be a non-empty list of numbers`];
  const problems: string[] = [];
  thresholds.forEach((value, index) => {
    if (typeof value !== 'number' || !isFilterNumber(value)) problems.push(`${label}: threshold ${String(value)} is not a number SNS filters can name (finite, within ±1e9, at most 5 decimals)`);
    else if (index > 0 && !(value > thresholds[index - 1]!)) problems.push(`${label}: thresholds must ascend, each once; ${value} follows ${thresholds[index - 1]}`);
  });
  return problems;
}
