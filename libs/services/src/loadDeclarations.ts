// Reads every apps/<name>/service.json, checked, and the game's topology from them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gameEvents, issuesOf, serviceDeclarationSchema, topologyOfServices, type GameEvents, type ServiceDeclaration, type TopologyDeclaration } from '@game-mesh/events';

/** The workspace root: the nearest folder above `from` that holds nx.json. */
export function workspaceRoot(from = process.cwd()): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No nx.json in ${from} or above: run this from the workspace`);
  }
}

/** Every `apps/<name>/service.json`, validated (every problem named), ordered by port. */
export function loadServiceDeclarations(root = workspaceRoot()): ServiceDeclaration[] {
  const appsDir = join(root, 'apps');
  const problems: string[] = [];
  const declarations: ServiceDeclaration[] = [];
  for (const app of readdirSync(appsDir).sort()) {
    const file = join(appsDir, app, 'service.json');
    if (!existsSync(file)) continue;
    const parsed = serviceDeclarationSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      problems.push(...issuesOf(parsed.error, `apps/${app}/service.json`));
      continue;
    }
    const declaration = parsed.data;
    if (declaration.name !== app) problems.push(`apps/${app}/service.json: name "${declaration.name}" must be the folder's name`);
    else declarations.push(declaration);
  }
  const ports = new Map<number, string>();
  for (const d of declarations) {
    const other = ports.get(d.port);
    if (other) problems.push(`${d.name} and ${other} both declare port ${d.port}`);
    ports.set(d.port, d.name);
  }
  if (problems.length > 0) throw new Error(`Service declarations are invalid:\n- ${problems.join('\n- ')}`);
  return declarations.sort((a, b) => a.port - b.port);
}

/**
 * The game's topology: every declared service's queues and subscriptions over the catalog. Every
 * producer in the catalog must be a declared service.
 */
export function loadGameTopology(root = workspaceRoot()): TopologyDeclaration<GameEvents> {
  const services = loadServiceDeclarations(root);
  const undeclared = [...new Set(Object.values(gameEvents).map((d) => d.producer))].filter((producer) => !services.some((s) => s.name === producer));
  if (undeclared.length > 0) throw new Error(`The catalog names producers with no apps/<name>/service.json: ${undeclared.join(', ')}`);
  return topologyOfServices(gameEvents, services);
}
