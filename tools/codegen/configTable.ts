// The README's configuration table, generated from what the services really parse: each app's
// environment schema (base, broker and its own settings, through envSchemaOf) and the
// OpenTelemetry variables. `npm run services` writes it; `--check` and a test find it stale.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceDeclaration } from '@game-mesh/events';
import { envSchemaOf, TRACING_VARIABLES, type AnyServiceDefinition } from '@game-mesh/runtime';
import { z } from 'zod';

export const CONFIG_BEGIN = '<!-- configuration: generated from the services\' config schemas by `npm run services` -->';
export const CONFIG_END = '<!-- end of configuration -->';

/** An app's service definition, loaded from its source (tools may not import apps statically). */
async function loadDefinition(root: string, name: string): Promise<AnyServiceDefinition> {
  const module = (await import(pathToFileURL(join(root, 'apps', name, 'src', 'service.ts')).href)) as Record<string, unknown>;
  const found = Object.values(module).find((value): value is AnyServiceDefinition => typeof value === 'object' && value !== null && 'declared' in value && 'build' in value);
  if (!found) throw new Error(`apps/${name}/src/service.ts exports no defineService(...) value`);
  return found;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\n', ' ');
const shown = (value: unknown) => (value === undefined ? '—' : `\`${String(value)}\``);

/** The markdown table: one row per variable, who reads it, what it does, its default. */
export async function configurationTable(root: string, declarations: readonly ServiceDeclaration[]): Promise<string> {
  const rows = new Map<string, { readers: string[]; description: string; defaults: Map<string, unknown> }>();
  for (const declaration of declarations) {
    const definition = await loadDefinition(root, declaration.name);
    const json = z.toJSONSchema(envSchemaOf(definition), { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string; default?: unknown }> };
    for (const [variable, property] of Object.entries(json.properties)) {
      const row = rows.get(variable) ?? { readers: [] as string[], description: property.description ?? '', defaults: new Map<string, unknown>() };
      row.readers.push(declaration.name);
      row.defaults.set(declaration.name, property.default);
      rows.set(variable, row);
    }
  }
  const everyone = declarations.map((d) => d.name);
  const lines = ['| variable | read by | what | default |', '| --- | --- | --- | --- |'];
  for (const [variable, row] of rows) {
    const readers = row.readers.length === everyone.length ? 'every service' : row.readers.join(', ');
    const values = [...new Set(row.defaults.values())];
    const defaults = values.length <= 1 ? shown(values[0]) : [...row.defaults].map(([name, value]) => `${shown(value)} ${name}`).join(', ');
    lines.push(`| \`${variable}\` | ${readers} | ${cell(row.description)} | ${defaults} |`);
  }
  for (const [variable, description] of Object.entries(TRACING_VARIABLES)) lines.push(`| \`${variable}\` | every service | ${cell(description)} | — |`);
  return lines.join('\n');
}

/** The README with its configuration section replaced by `table`. */
export function withConfigurationTable(readme: string, table: string): string {
  const start = readme.indexOf(CONFIG_BEGIN);
  const end = readme.indexOf(CONFIG_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the generated configuration section (${CONFIG_BEGIN} … ${CONFIG_END})`);
  return `${readme.slice(0, start)}${CONFIG_BEGIN}\n${table}\n${readme.slice(end)}`;
}
