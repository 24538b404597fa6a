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
import type { GeneratorCallback, Tree } from '@nx/devkit';
// eslint-disable-next-line @nx/enforce-module-boundaries -- Nx loads generators without path aliases: the one name rule, by its path
import { NAME_PATTERN, NAME_RULE } from '../../events/src/contract/names.ts';
import { formatJson } from '../src/json.ts';

export interface ServiceGeneratorOptions {
  name: string;
  consumes?: string;
  publishes?: string;
  port?: number;
  description?: string;
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
const quoted = (type: string) => `'${type}'`;

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
  for (const type of publishes.filter((t) => !catalog[t])) addEventType(tree, type, name);
  writeApp(tree, name, description, consumes, publishes);

  return () => {
    if (options.skipDerived) return;
    // Derived files: each app's Dockerfile, project.json, tsconfig, vitest config and typed
    // readers, the compose apps section; contracts/ (catalog, schemas, readers, AsyncAPI).
    execSync('npm run -s services && npm run -s contracts', { cwd: tree.root, stdio: 'inherit' });
  };
}

/** A new type in the catalog: its own file under libs/events/src/contract/events, version 1 to fill in. */
function addEventType(tree: Tree, type: string, producer: string): void {
  const [domain] = type.split('.') as [string, string];
  const file = tree.exists(`libs/events/src/contract/events/${domain}.ts`) ? type.replace('.', '-') : domain;
  const id = camel(type);
  tree.write(
    `libs/events/src/contract/events/${file}.ts`,
    `import { z } from 'zod';
import { defineEventType, defineEventVersion } from '../defineEvent';

// Added by \`nx g @game-mesh/services:service ${producer}\`. Give v1 its real fields before the first
// release: once shipped, the contract gate holds every field to its compatibility mode.
export const ${id}V1Schema = z
  .object({
    note: z.string().min(1).max(500).describe('What happened, in words.'),
  })
  .describe('${type}: what it means for the game.');

export const ${id} = defineEventType({
  description: '${type}, published by ${producer}.',
  producer: '${producer}',
  topic: '${producer}',
  current: 1,
  versions: {
    1: defineEventVersion({
      schema: ${id}V1Schema,
      examples: [{ note: 'An example of ${type}.' }],
    }),
  },
});
`,
  );
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

function writeApp(tree: Tree, name: string, description: string, consumes: readonly string[], publishes: readonly string[]): void {
  const id = camel(name);
  tree.write(`apps/${name}/src/main.ts`, `import { startService } from '@game-mesh/runtime';\nimport { ${id} } from './service';\n\nvoid startService(${id});\n`);
  const publishRoutes = publishes.map(
    (type) => `        // Publishes ${type}, bounded by its contract (400 naming each wrong field).
        app.post('/events/${type}', async (req, res) => {
          const data = parseBody(gameEvents[${quoted(type)}].versions[gameEvents[${quoted(type)}].current].schema, req, res);
          if (!data) return;
          const { id } = await publisher.publish(${quoted(type)}, data);
          res.status(202).json({ id });
        });`,
  );
  const context = ['logger', ...(publishes.length > 0 ? ['publisher'] : [])];
  tree.write(
    `apps/${name}/src/service.ts`,
    `// ${description.replaceAll('\n', ' ')}
${publishes.length > 0 ? "import { gameEvents } from '@game-mesh/events';\n" : ''}import { defineService${publishes.length > 0 ? ', parseBody' : ''} } from '@game-mesh/runtime';
import { declared } from './declared';

export const ${id} = defineService({
  declared,
  // Its own settings (environment variables) go here, as zod schemas; the broker ones come from service.json.
  settings: {},
  build({ ${context.join(', ')} }) {
    // What this service has handled, by event type: GET /handled.
    const handled: Record<string, { count: number; lastId: string }> = {};
${
  consumes.length > 0
    ? `    // Each event once (the runtime de-duplicates, retries and dead-letters); replace with the real work.
    const handle = (event: { type: string; id: string }): void => {
      const seen = (handled[event.type] ??= { count: 0, lastId: event.id });
      seen.count += 1;
      seen.lastId = event.id;
      logger.info({ type: event.type, eventId: event.id }, 'handled');
    };
`
    : ''
}    return {
${consumes.length > 0 ? `      // One per (queue, type) in service.json: the compiler lists any that is missing or not declared.\n      handlers: { main: { ${consumes.map((type) => `${quoted(type)}: handle`).join(', ')} } },\n` : ''}      routes: (app) => {
        app.get('/handled', (_req, res) => void res.json(handled));
${publishRoutes.join('\n')}${publishRoutes.length > 0 ? '\n' : ''}      },
    };
  },
});
`,
  );
  writeTest(tree, name, consumes, publishes);
}

function writeTest(tree: Tree, name: string, consumes: readonly string[], publishes: readonly string[]): void {
  const id = camel(name);
  const consumeTests = consumes.map(
    (type) => `
  it('handles ${type} published by its producer', async () => {
    const definition = gameEvents[${quoted(type)}];
    const producer = new Publisher({ catalog: gameEvents, source: definition.producer, transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
    const { id } = await producer.publish(${quoted(type)}, definition.versions[definition.current].examples[0]);
    const handled = await waitFor(async () => {
      const seen = ((await (await fetch(\`\${base}/handled\`)).json()) as Record<string, { lastId: string }>)[${quoted(type)}];
      return seen?.lastId === id ? seen : undefined;
    });
    expect(handled.lastId).toBe(id);
  });
`,
  );
  const publishTests = publishes.map(
    (type) => `
  it('publishes ${type} to its topic, and refuses data that breaks the contract', async () => {
    const post = (body: unknown) => fetch(\`\${base}/events/${type}\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const definition = gameEvents[${quoted(type)}];
    const accepted = await post(definition.versions[definition.current].examples[0]);
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const received = await waitFor(async () => {
      const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: mesh.report.environment['listener']!['EVENTS_QUEUE_URL'], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; type: string }).find((e) => e.id === id);
    });
    expect(received.type).toBe(${quoted(type)});
    expect((await post({})).status).toBe(400);
  });
`,
  );
  const testingImports = [...(publishes.length > 0 ? ['listener'] : []), 'startGameMesh', 'waitFor', 'type GameMesh'];
  tree.write(
    `apps/${name}/test/${name}.spec.ts`,
    `${publishes.length > 0 ? "import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';\n" : ''}import { ${consumes.length > 0 ? 'gameEvents, Publisher' : 'gameEvents'} } from '@game-mesh/events';\nimport { ${testingImports.join(', ')} } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declared } from '../src/declared';
import { ${id} } from '../src/service';

describe('${name} on fauxqs', () => {
  let mesh: GameMesh;
  let service: StartedService;
  let base: string;
  const exits: number[] = [];
  beforeAll(async () => {
    mesh = await startGameMesh([declared.declaration${publishes.length > 0 ? `, listener([${publishes.map(quoted).join(', ')}])` : ''}]);
    service = await startService(${id}, mesh.envFor(declared.declaration.name), (code) => void exits.push(code));
    base = \`http://127.0.0.1:\${service.port}\`;
  });
  afterAll(async () => {
    await service?.shutdown();
    await mesh?.stop();
    expect(exits).toEqual([0]);
  });

  it('is ready', async () => {
    expect((await fetch(\`\${base}/ready\`)).status).toBe(200);
  });
${consumeTests.join('')}${publishTests.join('')}});
`,
  );
}
