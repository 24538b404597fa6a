// Every file under contracts/, as npm run contracts writes it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gameEvents, resolveTopology, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import type { z } from 'zod';
import { asyncApiDocument } from './asyncapi';
import { catalogPage } from './catalogPage';
import type { CatalogIndex, ReaderFile } from './gate';
import { contractPaths, HAND_KEPT, readerSchema, versionContracts } from './schemas';
import { loadGameTopology } from '@game-mesh/services';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export interface ContractSource<C extends Catalog> {
  catalog: C;
  topology: TopologyDeclaration<C>;
  envelope?: z.ZodObject;
}

/**
 * Every generated file under `contracts/`, by path, as `npm run contracts` writes it: a JSON Schema
 * and examples per (type, version), the catalog index, each consumer's reader schemas, AsyncAPI,
 * and the catalog page. `retired.json` is written by hand (retiring is a decision, not output).
 */
export function generateContractFiles<C extends Catalog>(version: string, source: ContractSource<C> = { catalog: gameEvents as unknown as C, topology: loadGameTopology() as unknown as TopologyDeclaration<C> }): Map<string, string> {
  const contracts = versionContracts(source.catalog, source.envelope);
  const files = new Map<string, string>();
  for (const contract of contracts) {
    files.set(contractPaths.schema(contract.type, contract.version), json(contract.schema));
    contract.examples.forEach((example, index) => files.set(contractPaths.example(contract.type, contract.version, index), json(example)));
  }
  const index: CatalogIndex = {
    types: Object.fromEntries(
      Object.entries(source.catalog).map(([type, d]) => {
        const consumersDeployFirst = Object.entries(d.versions).filter(([, v]) => v.consumersDeployFirst).map(([n]) => Number(n));
        return [type, { producer: d.producer, topic: d.topic, current: d.current, compatibility: d.compatibility ?? 'FULL', versions: Object.keys(d.versions).map(Number), ...(consumersDeployFirst.length > 0 ? { consumersDeployFirst } : {}) }];
      }),
    ),
  };
  files.set(contractPaths.catalog, json(index));
  const readers = new Map<string, ReaderFile>();
  for (const queue of resolveTopology(source.topology, { prefix: 'prefix' }).queues) {
    const file = readers.get(queue.service) ?? { service: queue.service, reads: [] };
    for (const read of queue.reads) file.reads.push({ queue: queue.key, type: read.type, version: read.version, pinned: read.pinned, ...(read.filter ? { filter: read.filter } : {}), reader: read.reader ? readerSchema(read.reader) : null });
    readers.set(queue.service, file);
  }
  for (const [service, file] of readers) files.set(contractPaths.readers(service), json(file));
  files.set('asyncapi.json', json(asyncApiDocument(source.topology, contracts, version)));
  files.set('CATALOG.md', catalogPage(source.topology, contracts));
  return files;
}

/** Generated files whose committed copy is missing or different, and committed files no longer generated. */
export function staleFiles(contractsDir: string, generated: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [path, content] of generated) {
    const file = join(contractsDir, path);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) stale.push(`contracts/${path}`);
  }
  if (existsSync(contractsDir)) {
    for (const path of listContractFiles(contractsDir)) {
      if (!generated.has(path) && !HAND_KEPT.includes(path)) stale.push(`contracts/${path} (no longer generated)`);
    }
  }
  return stale;
}

/** Paths of the files under `dir`, relative, with forward slashes. */
export function listContractFiles(dir: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
      const path = join(at, entry.name);
      return entry.isDirectory() ? walk(path) : [path];
    });
  return walk(dir).map((file) => relative(dir, file).split('\\').join('/'));
}
