// The JSON Schema of each (type, version)'s whole wire format, and the paths of the contract files.
import { createHash } from 'node:crypto';
import { consumedEnvelopeSchema, PACK_FIELD, packBytesOf, type Catalog, type CompatibilityMode, type EventVersionDefinition } from '@game-mesh/events';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export interface VersionContract {
  type: string;
  version: number;
  producer: string;
  topic: string;
  description: string;
  compatibility: CompatibilityMode;
  schema: JsonSchema;
  examples: object[];
  filterAttributes: { name: string; dataType: string; description: string }[];
}

/** Where each generated file lives under `contracts/`. */
export const contractPaths = {
  schema: (type: string, version: number) => `schemas/${type}/v${version}.schema.json`,
  example: (type: string, version: number, index: number) => `examples/${type}/v${version}/example-${index + 1}.json`,
  readers: (service: string) => `readers/${service}.json`,
  catalog: 'catalog.json',
  retired: 'retired.json',
};

/** Files under `contracts/` that are written by hand and kept when it is regenerated. */
export const HAND_KEPT = ['retired.json', 'project.json'];

/** Message attributes every event carries (the transport's), beside the type's filter attributes. */
const TRANSPORT_ATTRIBUTES = { type: 'String', version: 'Number', source: 'String', traceparent: 'String' } as const;

/**
 * The whole wire format of (type, version), as one JSON Schema (draft 2020-12): the envelope with
 * `type` and `version` fixed and `data` the version's schema, plus two extensions the gate compares
 * like the rest: `x-message-attributes` (name → SNS/SQS data type; filter policies match on them),
 * `x-compatibility` (the type's mode), for an ordered type `x-ordering` (its message group), and for a
 * high-volume type `x-packing` (its events travel many to a message, grouped by type and filter attribute values). Constraints JSON Schema cannot say (zod refinements)
 * are listed in `x-unrepresentable`, which the gate refuses in a shipped version. Input mode keeps
 * objects open to extra fields, so a reader of this schema accepts fields a later change adds.
 */
export function versionContracts(catalog: Catalog, envelope: z.ZodObject = consumedEnvelopeSchema): VersionContract[] {
  return Object.entries(catalog).flatMap(([type, definition]) =>
    Object.entries(definition.versions).map(([key, versionDefinition]) => {
      const version = Number(key);
      const compatibility = definition.compatibility ?? 'FULL';
      const event = envelope.extend({
        type: z.literal(type).describe('Event type.'),
        version: z.literal(version).describe('Schema version of `data`.'),
        data: versionDefinition.schema,
      });
      const filterAttributes = Object.entries(versionDefinition.filterAttributes ?? {}).map(([name, a]) => ({ name, dataType: a.dataType, description: a.description }));
      const unrepresentable = refinementsIn(event, '');
      const packBytes = packBytesOf(definition);
      const schema = {
        ...(z.toJSONSchema(event, { target: 'draft-2020-12', io: 'input' }) as JsonSchema),
        $id: `https://game-mesh.dev/contracts/${contractPaths.schema(type, version)}`,
        title: `${type} v${version}`,
        description: definition.description,
        'x-message-attributes': { ...TRANSPORT_ATTRIBUTES, ...Object.fromEntries(filterAttributes.map((a) => [a.name, a.dataType])) },
        'x-compatibility': compatibility,
        // Part of the wire format: the message group and the FIFO topic and queues it implies.
        ...(definition.ordering ? { 'x-ordering': { groupBy: definition.ordering.groupBy } } : {}),
        // Also wire format: a high-volume type's events travel packed, many to one message (contract/pack.ts).
        // Its Number attributes' thresholds cut its packs: a deployed filter may compare at each of them.
        ...(packBytes === undefined ? {} : { 'x-packing': { field: PACK_FIELD, packBytes, groupedBy: ['type', ...filterAttributes.map((a) => a.name)], ...thresholdsOf(versionDefinition) } }),
        ...(unrepresentable.length > 0 ? { 'x-unrepresentable': unrepresentable } : {}),
      };
      const examples = versionDefinition.examples.map((data, index) => ({
        specversion: '1.0',
        id: stableUuid(`${type}/v${version}/${index}`),
        type,
        version,
        source: definition.producer,
        time: '2026-01-01T12:00:00.000Z',
        correlationId: stableUuid(`${type}/v${version}/${index}/correlation`),
        data,
      }));
      return { type, version, producer: definition.producer, topic: definition.topic, description: definition.description, compatibility, schema, examples, filterAttributes };
    }),
  );
}

/** JSON Schema of a reader (the `data` fields a consumer reads). */
export function readerSchema(reader: z.ZodType): JsonSchema {
  return z.toJSONSchema(reader, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
}

interface ZodInternals {
  _zod: { def: { type: string; checks?: { _zod: { def: { check: string } } }[]; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; options?: unknown[]; in?: unknown; out?: unknown } };
}

/** Paths of zod refinements (`.refine`, `.superRefine`, `z.custom`): JSON Schema cannot express them. */
export function refinementsIn(schema: unknown, path: string): string[] {
  const def = (schema as ZodInternals | undefined)?._zod?.def;
  if (!def) return [];
  const at = path === '' ? '(root)' : path;
  const found = (def.checks ?? []).some((c) => c._zod.def.check === 'custom') || def.type === 'custom' ? [at] : [];
  const join = (key: string) => (path === '' ? key : `${path}.${key}`);
  const children: [unknown, string][] = [
    ...Object.entries(def.shape ?? {}).map(([key, child]): [unknown, string] => [child, join(key)]),
    ...(def.innerType ? [[def.innerType, path] as [unknown, string]] : []),
    ...(def.element ? [[def.element, `${path}[]`] as [unknown, string]] : []),
    ...(def.options ?? []).map((option): [unknown, string] => [option, path]),
    ...(def.in ? [[def.in, path] as [unknown, string]] : []),
  ];
  return [...found, ...children.flatMap(([child, childPath]) => refinementsIn(child, childPath))];
}

/** A uuid (v4 layout) derived from a name, so generated examples do not change between runs. */
function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `{ thresholds: { attribute: [cut points] } }` for the Number attributes that declare them, else nothing. */
function thresholdsOf(definition: EventVersionDefinition): { thresholds?: Record<string, readonly number[]> } {
  const entries = Object.entries(definition.filterAttributes ?? {}).flatMap(([name, a]) => (a.thresholds === undefined ? [] : [[name, a.thresholds] as const]));
  return entries.length === 0 ? {} : { thresholds: Object.fromEntries(entries) };
}
