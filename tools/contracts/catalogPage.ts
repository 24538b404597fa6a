// contracts/CATALOG.md: every type, field and example, and who reads what.
import { resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import type { JsonSchema, VersionContract } from './schemas';

/** A Markdown page: each event and version, producer and consumers, every field described. */
export function catalogPage<C extends Catalog>(topology: TopologyDeclaration<C>, contracts: readonly VersionContract[]): string {
  const queues = resolveTopology(topology, { prefix: 'prefix' }).queues;
  const lines = ['# Event catalog', '', 'Generated from `libs/events` by `npm run contracts`; do not edit.', ''];
  for (const type of [...new Set(contracts.map((c) => c.type))]) {
    const versions = contracts.filter((c) => c.type === type);
    const first = versions[0];
    if (!first) continue;
    const consumers = queues.flatMap((q) => q.reads.filter((r) => r.type === type).map((r) => `${q.service} (${q.key} queue, reads v${r.version})`));
    lines.push(`## \`${type}\``, '', first.description, '', `- Producer: **${first.producer}**, topic \`{prefix}-${first.topic}\``, `- Consumers: ${consumers.length > 0 ? consumers.join('; ') : 'none yet'}`, '');
    for (const contract of versions) {
      lines.push(`### v${contract.version}`, '', `Schema: [\`${`schemas/${type}/v${contract.version}.schema.json`}\`](schemas/${type}/v${contract.version}.schema.json)`, '');
      lines.push('| field | type | required | description |', '| --- | --- | --- | --- |');
      const data = (contract.schema['properties'] as Record<string, JsonSchema>)['data'];
      for (const row of fields(data ?? {}, 'data', true)) lines.push(`| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : 'no'} | ${row.description} |`);
      if (contract.filterAttributes.length > 0) {
        lines.push('', 'Filter attributes (SNS message attributes): ' + contract.filterAttributes.map((a) => `\`${a.name}\` (${a.dataType}): ${a.description}`).join('; '));
      }
      contract.examples.forEach((example, index) => {
        lines.push('', `Example ${index + 1} of ${contract.examples.length}:`, '', '```json', JSON.stringify((example as { data?: unknown }).data, null, 2), '```');
      });
      lines.push(`\nCompatibility: ${contract.compatibility}. Readers: ${readersOf(queues, type, contract.version)}`, '');
    }
  }
  lines.push('## Envelope', '', 'Every event: `specversion` ("1.0"), `id` (uuid), `type`, `version`, `source`, `time` (ISO 8601), `correlationId`, optional `causationId`, and `data` as above.', '');
  return lines.join('\n');
}

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
}

function fields(schema: JsonSchema, path: string, required: boolean): FieldRow[] {
  const rows: FieldRow[] = [{ path, type: describeType(schema), required, description: String(schema['description'] ?? '').replaceAll('|', '\\|') }];
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  const requiredKeys = new Set((schema['required'] as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries(properties ?? {})) rows.push(...fields(child, `${path}.${key}`, requiredKeys.has(key)));
  return rows;
}

function describeType(schema: JsonSchema): string {
  // A nullable enum is anyOf [enum, null]: show every alternative.
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as JsonSchema[]).map(describeType).join(' \\| ');
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  const type = Array.isArray(schema['type']) ? (schema['type'] as string[]).join(' \\| ') : String(schema['type'] ?? 'any');
  const bounds = [schema['minimum'] !== undefined ? `≥ ${String(schema['minimum'])}` : '', schema['maximum'] !== undefined && schema['maximum'] !== Number.MAX_SAFE_INTEGER ? `≤ ${String(schema['maximum'])}` : ''].filter(Boolean);
  return bounds.length > 0 ? `${type} (${bounds.join(', ')})` : type;
}

function readersOf(queues: ReturnType<typeof resolveTopology>['queues'], type: string, version: number): string {
  const readers = queues.flatMap((q) => q.reads.filter((r) => r.type === type && r.version === version).map((r) => `${q.service} (${q.key}: ${r.reader ? Object.keys((r.reader as unknown as { shape?: object }).shape ?? {}).join(', ') || 'its reader' : 'every field'})`));
  return readers.length > 0 ? readers.join('; ') : 'none';
}
