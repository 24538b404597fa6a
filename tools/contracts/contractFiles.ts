import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gameEvents, gameTopology } from '@game-mesh/events';
import { asyncApiDocument } from './asyncapi';
import { catalogPage } from './catalogPage';
import { backwardBreaks, type BreakingChange } from './compatibility';
import { contractPaths, versionContracts, type JsonSchema } from './schemas';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every file under `contracts/`, by path, as `npm run contracts` writes it. */
export function generateContractFiles(version: string): Map<string, string> {
  const contracts = versionContracts(gameEvents);
  const files = new Map<string, string>();
  for (const contract of contracts) {
    files.set(contractPaths.schema(contract.type, contract.version), json(contract.schema));
    contract.examples.forEach((example, index) => files.set(contractPaths.example(contract.type, contract.version, index), json(example)));
  }
  files.set('asyncapi.json', json(asyncApiDocument(gameTopology, contracts, version)));
  files.set('CATALOG.md', catalogPage(gameTopology, contracts));
  return files;
}

export interface ShippedBreak extends BreakingChange {
  type: string;
  version: number;
}

/**
 * The committed schemas are the record of what has shipped. A (type, version) may gain optional
 * fields; anything a reader could trip on must be published as the next version instead.
 */
export function breakingChanges(contractsDir: string, generated: Map<string, string>): ShippedBreak[] {
  const schemasDir = join(contractsDir, 'schemas');
  if (!existsSync(schemasDir)) return [];
  const breaks: ShippedBreak[] = [];
  for (const file of listFiles(schemasDir)) {
    const path = relative(contractsDir, file).split('\\').join('/');
    const match = /^schemas\/(.+)\/v(\d+)\.schema\.json$/.exec(path);
    if (!match) continue;
    const [, type = '', versionText = '0'] = match;
    const version = Number(versionText);
    const current = generated.get(path);
    if (current === undefined) {
      breaks.push({ type, version, path: '(root)', problem: 'this shipped version is gone from the catalog; consumers may still read it' });
      continue;
    }
    const shipped = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    const dataOf = (schema: JsonSchema) => ((schema['properties'] as Record<string, JsonSchema> | undefined)?.['data'] ?? {}) as JsonSchema;
    for (const change of backwardBreaks(dataOf(shipped), dataOf(JSON.parse(current) as JsonSchema), 'data')) breaks.push({ type, version, ...change });
  }
  return breaks;
}

/** Generated files whose committed copy is missing or different, and committed files no longer generated. */
export function staleFiles(contractsDir: string, generated: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [path, content] of generated) {
    const file = join(contractsDir, path);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) stale.push(`contracts/${path}`);
  }
  if (existsSync(contractsDir)) {
    for (const file of listFiles(contractsDir)) {
      const path = relative(contractsDir, file).split('\\').join('/');
      if (!generated.has(path)) stale.push(`contracts/${path} (no longer generated)`);
    }
  }
  return stale;
}

export function describeBreak(change: ShippedBreak): string {
  return `${change.type} v${change.version}: ${change.path}: ${change.problem}. Publish the change as ${change.type} v${change.version + 1} (with an upcaster from v${change.version}) instead.`;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
