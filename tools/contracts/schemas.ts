import { createHash } from 'node:crypto';
import { consumedEnvelopeSchema, type Catalog } from '@game-mesh/events';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export interface VersionContract {
  type: string;
  version: number;
  producer: string;
  topic: string;
  description: string;
  schema: JsonSchema;
  examples: object[];
  filterAttributes: { name: string; dataType: string; description: string }[];
}

/** Where each generated file lives under `contracts/`. */
export const contractPaths = {
  schema: (type: string, version: number) => `schemas/${type}/v${version}.schema.json`,
  example: (type: string, version: number, index: number) => `examples/${type}/v${version}/example-${index + 1}.json`,
};

/**
 * The JSON Schema (draft 2020-12) of a whole event of (type, version): the envelope with `type`
 * and `version` fixed and `data` the version's schema. Input mode keeps objects open to extra
 * fields, so a reader of this schema accepts the optional fields a later change adds.
 */
export function versionContracts(catalog: Catalog): VersionContract[] {
  return Object.entries(catalog).flatMap(([type, definition]) =>
    Object.entries(definition.versions).map(([key, versionDefinition]) => {
      const version = Number(key);
      const event = consumedEnvelopeSchema.extend({
        type: z.literal(type).describe('Event type.'),
        version: z.literal(version).describe('Schema version of `data`.'),
        data: versionDefinition.schema,
      });
      const schema = {
        ...(z.toJSONSchema(event, { target: 'draft-2020-12', io: 'input' }) as JsonSchema),
        $id: `https://game-mesh.dev/contracts/${contractPaths.schema(type, version)}`,
        title: `${type} v${version}`,
        description: definition.description,
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
      const filterAttributes = Object.entries(versionDefinition.filterAttributes ?? {}).map(([name, a]) => ({ name, dataType: a.dataType, description: a.description }));
      return { type, version, producer: definition.producer, topic: definition.topic, description: definition.description, schema, examples, filterAttributes };
    }),
  );
}

/** A uuid (v4 layout) derived from a name, so generated examples do not change between runs. */
function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
