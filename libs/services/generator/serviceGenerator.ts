// `npx nx g @game-mesh/services:service <name> --consumes a.b,c.d --publishes x.y`
//
// Writes the service's declaration (apps/<name>/service.json) and its code and tests; new event
// types it publishes join the catalog with a v1 to fill in. Then `npm run services` and
// `npm run contracts` write everything that derives from declarations (Dockerfile, project.json,
// the typed readers, the compose entry, contracts/). Nothing else is edited by hand: `npm start`,
// compose, the CDK stacks, doctor and the contract checks read the declarations.
//
// Loaded by Nx as TypeScript with Node's own type stripping (Node >= 22.18; the project runs 24),
// so it imports only Nx, Node and files by their .ts path: no path aliases.
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { generateFiles, type GeneratorCallback, type Tree } from '@nx/devkit';
// eslint-disable-next-line @nx/enforce-module-boundaries -- Nx loads generators without path aliases: the one name rule, by its path
import { NAME_PATTERN, NAME_RULE } from '../../events/src/contract/names.ts';
import { formatJson } from '../src/json.ts';

export interface ServiceGeneratorOptions {
  name: string;
  consumes?: string;
  publishes?: string;
  port?: number;
  description?: string;
  /** The `data` field the new types it publishes are ordered by (they get a FIFO topic). */
  orderedBy?: string;
  /** The new types it publishes are high-volume: packed many to a message (telemetry). */
  highVolume?: boolean;
  skipDerived?: boolean;
}

interface CatalogEntry {
  producer: string;
  topic: string;
  current: number;
}

const TYPE = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;
const list = (value: string | undefined): string[] => [...new Set((value ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
const camel = (text: string): string => text.replace(/[.-]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
/** The template tree: real files, with EJS where they differ per service. */
const TEMPLATES = join(import.meta.dirname, 'files');

export default function serviceGenerator(tree: Tree, options: ServiceGeneratorOptions): GeneratorCallback {
  const { name } = options;
  if (!NAME_PATTERN.test(name)) throw new Error(`"${name}": a service name is ${NAME_RULE}`);
  if (tree.exists(`apps/${name}`)) throw new Error(`apps/${name} exists already`);
  const catalog = (JSON.parse(tree.read('contracts/catalog.json', 'utf-8') ?? '{"types":{}}') as { types: Record<string, CatalogEntry> }).types;
  const consumes = list(options.consumes);
  const publishes = list(options.publishes);
  const problems: string[] = [];
  for (const type of consumes) {
    if (!catalog[type]) problems.push(`--consumes ${type}: no such event type; the catalog has ${Object.keys(catalog).join(', ')}`);
    if (publishes.includes(type)) problems.push(`${type}: a service does not consume what it publishes`);
  }
  for (const type of publishes) {
    if (!TYPE.test(type)) problems.push(`--publishes ${type}: an event type is <domain>.<pastTenseVerb>, e.g. loot.dropped`);
    else if (catalog[type] && catalog[type].producer !== name) problems.push(`--publishes ${type}: ${catalog[type].producer} publishes it; a type has one producer`);
  }
  const declared = tree
    .children('apps')
    .filter((app) => tree.exists(`apps/${app}/service.json`))
    .map((app) => JSON.parse(tree.read(`apps/${app}/service.json`, 'utf-8') ?? '{}') as { name: string; port: number });
  const port = options.port ?? Math.max(3000, ...declared.map((d) => d.port)) + 1;
  const taken = declared.find((d) => d.port === port);
  if (taken) problems.push(`--port ${port}: ${taken.name} has it`);
  if (consumes.length + publishes.length === 0) problems.push('give --consumes, --publishes or both: a service of the mesh does at least one');
  const { orderedBy } = options;
  if (orderedBy !== undefined) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(orderedBy)) problems.push(`--ordered-by ${orderedBy}: a field name of data, e.g. playerId`);
    if (publishes.length === 0 || publishes.some((type) => catalog[type])) problems.push('--ordered-by orders the new types it publishes: give --publishes with types the catalog does not have yet');
  }
  if (options.highVolume === true) {
    if (orderedBy !== undefined) problems.push('--high-volume and --ordered-by do not go together: a pack would hold many message groups');
    if (publishes.length === 0 || publishes.some((type) => catalog[type])) problems.push('--high-volume marks the new types it publishes: give --publishes with types the catalog does not have yet');
  }
  if (problems.length > 0) throw new Error(`Cannot add ${name}:\n- ${problems.join('\n- ')}`);

  const description = options.description ?? `${name}: consumes ${consumes.join(', ') || 'nothing'}; publishes ${publishes.join(', ') || 'nothing'}.`;
  const declaration = {
    $schema: '../../libs/services/service.schema.json',
    name,
    description,
    port,
    publishes,
    consumes: consumes.length > 0 ? { main: { subscriptions: consumes.map((type) => ({ type, version: catalog[type]!.current })) } } : {},
  };
  tree.write(`apps/${name}/service.json`, formatJson(declaration));
  for (const type of publishes.filter((t) => !catalog[t])) addEventType(tree, type, name, orderedBy, options.highVolume === true);
  writeApp(tree, name, description, consumes, publishes);

  return () => {
    if (options.skipDerived) return;
    // Derived files: each app's Dockerfile, project.json, tsconfig, vitest config and typed
    // readers, the compose apps section; contracts/ (catalog, schemas, readers, AsyncAPI).
    execSync('npm run -s services && npm run -s contracts', { cwd: tree.root, stdio: 'inherit' });
  };
}

/** A new type in the catalog: its own file under libs/events/src/contract/events (files/event), version 1 to fill in. */
function addEventType(tree: Tree, type: string, producer: string, orderedBy: string | undefined, highVolume: boolean): void {
  const [domain] = type.split('.') as [string, string];
  const file = tree.exists(`libs/events/src/contract/events/${domain}.ts`) ? type.replace('.', '-') : domain;
  const id = camel(type);
  generateFiles(tree, join(TEMPLATES, 'event'), 'libs/events/src/contract/events', { tmpl: '', file, id, type, producer, orderedBy: orderedBy ?? '', highVolume });
  const catalogFile = 'libs/events/src/contract/gameEvents.ts';
  const source = tree.read(catalogFile, 'utf-8') ?? '';
  const lastImport = source.lastIndexOf('\nimport ');
  const endOfImports = source.indexOf('\n', lastImport + 1);
  const close = source.indexOf('\n});', endOfImports);
  if (lastImport < 0 || close < 0) throw new Error(`${catalogFile}: cannot find where to register ${type} (imports, then defineCatalog({ ... }))`);
  tree.write(
    catalogFile,
    `${source.slice(0, endOfImports)}\nimport { ${id} } from './events/${file}';${source.slice(endOfImports, close)}\n  '${type}': ${id},${source.slice(close)}`,
  );
}

/** The app's code and test (files/app): the few lines that are its own; the rest derives from service.json. */
function writeApp(tree: Tree, name: string, description: string, consumes: readonly string[], publishes: readonly string[]): void {
  generateFiles(tree, join(TEMPLATES, 'app'), `apps/${name}`, { tmpl: '', name, id: camel(name), description: description.replaceAll('\n', ' '), consumes, publishes });
}
