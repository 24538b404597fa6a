// The compatibility gate: a change judged against git history and against the readers as deployed.
import { valuesOffThresholds } from '@game-mesh/events';
import { dataOf, envelopeOf, validationBreaks as backwardBreaks, type BreakingChange } from './compatibility';
import { versionKey, type SchemaHistory } from './history';
import { contractPaths, type JsonSchema } from './schemas';

export interface CatalogIndex {
  types: Record<string, { producer: string; topic: string; current: number; compatibility: 'BACKWARD' | 'FORWARD' | 'FULL'; versions: number[]; consumersDeployFirst?: number[] }>;
}

export interface ReaderFile {
  service: string;
  /** `filter`: the subscription's conditions on message attributes (beside `type`), where it has any. */
  reads: { queue: string; type: string; version: number; pinned: boolean; filter?: Readonly<Record<string, readonly unknown[]>>; reader: JsonSchema | null }[];
}

export interface RetiredVersion {
  type: string;
  version: number;
  reason: string;
}

/** One refusal: which (type, version), who breaks, what, and the way out. */
export interface GateProblem {
  type: string;
  version: number;
  /** Who would fail: the producer's published events, or a named consumer. */
  breaks: string;
  path: string;
  problem: string;
  wayOut: string;
}

/** The contract as one revision holds it: schemas by (type, version), the catalog index, the readers. */
export interface ContractState {
  schemas: Map<string, JsonSchema>;
  catalog: CatalogIndex;
  readers: ReaderFile[];
  retired: RetiredVersion[];
}

const NEW_VERSION = (type: string, version: number) =>
  `publish the change as ${type} v${version + 1} with an upcaster from v${version}; move the consumers to v${version + 1} first, then the producer`;

/**
 * What runs now, against which a change is judged: the consumers' readers as the base of the change
 * holds them (what is deployed, or about to be), and the services the change itself touches.
 */
export interface Deployed {
  /** The base revision, for the message. */
  revision: string;
  readers: ReaderFile[];
  /** Services whose code the change touches (apps/<name>/): they are redeployed with it. */
  changedServices: ReadonlySet<string>;
}

/** Reads the state out of `contracts/` files (generated now, or as a revision held them). */
export function contractState(files: ReadonlyMap<string, string>): ContractState {
  const schemas = new Map<string, JsonSchema>();
  const readers: ReaderFile[] = [];
  for (const [path, text] of files) {
    const schema = /^schemas\/(.+)\/v(\d+)\.schema\.json$/.exec(path);
    if (schema) schemas.set(versionKey(schema[1] ?? '', Number(schema[2])), JSON.parse(text) as JsonSchema);
    if (/^readers\/.+\.json$/.test(path)) readers.push(JSON.parse(text) as ReaderFile);
  }
  const catalogText = files.get(contractPaths.catalog);
  const retiredText = files.get(contractPaths.retired);
  return {
    schemas,
    readers,
    catalog: catalogText ? (JSON.parse(catalogText) as CatalogIndex) : { types: {} },
    retired: retiredText ? ((JSON.parse(retiredText) as { retired: RetiredVersion[] }).retired ?? []) : [],
  };
}

const attributesOf = (schema: JsonSchema): Record<string, string> => (schema['x-message-attributes'] as Record<string, string> | undefined) ?? {};

/**
 * The gate. Every (type, version) that ever landed stays readable as its compatibility mode says
 * (FULL by default), against every schema it had in history:
 * - BACKWARD: the changed schema, and every reader of that version, accept every event the
 *   shipped schemas accepted (consumers read what was already published, DLQ redrives included);
 * - FORWARD: every reader (or, for a consumer with no reader schema, the shipped schema) accepts
 *   every event the changed schema allows; the envelope likewise;
 * - always: no message attribute disappears or changes its data type (filter policies and
 *   consumers match on them), no refinement JSON Schema cannot express, no shipped version
 *   disappears unless retired, no retired version is still read or published, and no consumer
 *   reads a version older than what its producer publishes.
 */
export function gateProblems(history: SchemaHistory, now: ContractState, deployed?: Deployed): GateProblem[] {
  const problems: GateProblem[] = [];
  const retired = new Set(now.retired.map((r) => versionKey(r.type, r.version)));
  // The readers in the change, and, beside them, each consumer's reader as deployed: a change that
  // regenerates a reader does not change the consumer that runs. Only a version marked
  // consumersDeployFirst lets a consumer the change also updates be judged by its new reader alone.
  const readersOf = (type: string, version: number) => {
    const matching = (file: ReaderFile, label: string) =>
      file.reads.filter((r) => r.type === type && r.version === version).map((r) => ({ consumer: `${file.service} (${r.queue} queue)${label}`, reader: r.reader, filter: r.filter, key: `${file.service}/${r.queue}` }));
    const current = now.readers.flatMap((file) => matching(file, ''));
    const movesWith = (service: string) => (now.catalog.types[type]?.consumersDeployFirst ?? []).includes(version) && deployed?.changedServices.has(service) === true;
    const asDeployed = (deployed?.readers ?? [])
      .filter((file) => !movesWith(file.service))
      .flatMap((file) => matching(file, ` as deployed (${deployed!.revision.slice(0, 8)})`))
      .filter((old) => !current.some((c) => c.key === old.key && JSON.stringify(c.reader) === JSON.stringify(old.reader)));
    return [...current, ...asDeployed];
  };

  for (const [key, snapshots] of history) {
    const [type = '', versionText = '0'] = key.split('@v');
    const version = Number(versionText);
    const current = now.schemas.get(key);
    if (!current) {
      if (!retired.has(key)) {
        problems.push({ type, version, breaks: 'every consumer that still reads it', path: '(root)', problem: 'this shipped version is gone from the catalog (deleted or renamed)', wayOut: `keep it, or retire it explicitly in contracts/retired.json once no consumer reads ${type} v${version}` });
      }
      continue;
    }
    const mode = now.catalog.types[type]?.compatibility ?? 'FULL';
    const readers = readersOf(type, version);
    // Every filter that runs on a packed type, as changed and as deployed, must cut only where its packs are cut.
    for (const [name, thresholds] of Object.entries(packCuts(current) ?? {})) {
      for (const { consumer, filter } of readers) {
        const values = filter?.[name];
        if (values === undefined) continue;
        for (const off of valuesOffThresholds(values, thresholds, `filter.${name}`)) problems.push({ type, version, breaks: consumer, path: `packing.thresholds.${name}`, problem: `${off} (its packs would hold events on both sides of where this filter cuts)`, wayOut: `add the value this filter compares ${name} with to its thresholds, or change the filter first` });
      }
    }
    for (const { schema: shipped } of snapshots) {
      if (mode !== 'FORWARD') {
        for (const b of backwardBreaks(shipped, current)) problems.push({ type, version, breaks: 'readers of events already published (BACKWARD)', ...b, wayOut: NEW_VERSION(type, version) });
        for (const { consumer, reader } of readers) {
          if (!reader) continue;
          for (const b of backwardBreaks(dataOf(shipped), reader, 'data')) problems.push({ type, version, breaks: `${consumer}, reading events already published (BACKWARD)`, ...b, wayOut: `change ${consumer}'s reader, or ${NEW_VERSION(type, version)}` });
        }
      }
      if (mode !== 'BACKWARD') {
        for (const b of backwardBreaks(envelopeOf(current), envelopeOf(shipped))) problems.push({ type, version, breaks: 'every deployed consumer (FORWARD: the envelope)', ...forward(b), wayOut: NEW_VERSION(type, version) });
        const targets = readers.length > 0 ? readers : [{ consumer: 'a consumer of the shipped schema', reader: null }];
        for (const { consumer, reader } of targets) {
          for (const b of backwardBreaks(dataOf(current), reader ?? dataOf(shipped), 'data')) {
            problems.push({
              type,
              version,
              breaks: `${consumer} (FORWARD: it cannot read what the changed producer sends)`,
              ...forward(b),
              wayOut: `${NEW_VERSION(type, version)}; or change that consumer in the same change and mark ${type} v${version} consumersDeployFirst (it then deploys first, and can-i-deploy holds the producer until it runs)`,
            });
          }
        }
      }
      // Ordering is wire format too: a group that moves or appears or goes changes which topic and
      // queues carry the type (FIFO or not) and what order its consumers can count on.
      const orderingOf = (schema: JsonSchema) => JSON.stringify(schema['x-ordering'] ?? 'none');
      if (orderingOf(shipped) !== orderingOf(current)) {
        problems.push({ type, version, breaks: 'every consumer (its queue and the order it counts on)', path: 'ordering', problem: `ordering changed from ${orderingOf(shipped)} to ${orderingOf(current)}`, wayOut: `a new type (an ordered one lives on its own FIFO topic); ${NEW_VERSION(type, version)} cannot move it` });
      }
      // So is packing: a consumer that reads single events cannot read a pack, and one that counts on
      // packs' cost would pay per event. Only an added type (or one not yet shipped) chooses freely.
      const packingOf = (schema: JsonSchema) => JSON.stringify((schema['x-packing'] as { packBytes?: unknown } | undefined) === undefined ? 'none' : 'packed');
      if (packingOf(shipped) !== packingOf(current)) {
        problems.push({ type, version, breaks: 'every deployed consumer (what one message holds)', path: 'packing', problem: `packing changed from ${packingOf(shipped)} to ${packingOf(current)} (highVolume)`, wayOut: `a new type marked highVolume (a new version of ${type} cannot change how it travels)` });
      }
      // A packed type's thresholds cut its packs: one gone, a deployed filter cutting there would get
      // packs whose events straddle it. Added ones only cut finer.
      const [shippedCuts, currentCuts] = [packCuts(shipped), packCuts(current)];
      for (const [name, cuts] of shippedCuts && currentCuts ? Object.entries(shippedCuts) : []) {
        const gone = cuts.filter((cut) => !(currentCuts![name] ?? []).includes(cut));
        if (gone.length > 0) problems.push({ type, version, breaks: `filter policies cutting ${name} at ${gone.join(', ')}`, path: `packing.thresholds.${name}`, problem: `threshold ${gone.join(', ')} removed from a packed type (its packs would mix events on both sides of it)`, wayOut: `keep the threshold (add others freely); or ${NEW_VERSION(type, version)}` });
      }
      const before = attributesOf(shipped);
      const after = attributesOf(current);
      for (const [name, dataType] of Object.entries(before)) {
        if (after[name] === undefined) problems.push({ type, version, breaks: 'filter policies and consumers matching on it', path: `attributes.${name}`, problem: 'message attribute removed', wayOut: NEW_VERSION(type, version) });
        else if (after[name] !== dataType) problems.push({ type, version, breaks: 'filter policies and consumers matching on it', path: `attributes.${name}`, problem: `message attribute data type changed from ${dataType} to ${after[name]}`, wayOut: NEW_VERSION(type, version) });
      }
    }
  }
  for (const [key, schema] of now.schemas) {
    const [type = '', versionText = '0'] = key.split('@v');
    for (const path of (schema['x-unrepresentable'] as string[] | undefined) ?? []) {
      problems.push({ type, version: Number(versionText), breaks: 'every reader of the published JSON Schema', path, problem: 'a refinement JSON Schema cannot express (consumers outside zod would not enforce it)', wayOut: 'say it with min/max/regex/enum/multipleOf, or drop it' });
    }
  }
  for (const entry of now.retired) {
    const readers = readersOf(entry.type, entry.version);
    for (const { consumer } of readers) problems.push({ type: entry.type, version: entry.version, breaks: consumer, path: '(root)', problem: 'retired while this consumer still reads it', wayOut: `move ${consumer} to a later version first` });
    if (now.catalog.types[entry.type]?.current === entry.version) problems.push({ type: entry.type, version: entry.version, breaks: 'every consumer', path: '(root)', problem: 'retired while it is the version the producer publishes', wayOut: 'make a later version current first' });
  }
  for (const file of now.readers) {
    for (const read of file.reads) {
      const current = now.catalog.types[read.type]?.current;
      if (!read.pinned) {
        problems.push({ type: read.type, version: read.version, breaks: `${file.service} (${read.queue} queue)`, path: '(root)', problem: 'read without a pinned version: a new current version would move this consumer silently, while the deployed one still reads the old', wayOut: `declare version: ${read.version} on its subscription` });
      }
      if (current !== undefined && read.version < current) {
        problems.push({ type: read.type, version: current, breaks: `${file.service} (${read.queue} queue)`, path: '(root)', problem: `it reads v${read.version} but the producer publishes v${current}; newer events cannot be read as older ones`, wayOut: `move ${file.service} to v${current} (its upcaster reads older events) and deploy it before the producer` });
      }
    }
  }
  return problems;
}

/** A packed type's thresholds by attribute (none declared: empty); undefined when it is not packed. */
function packCuts(schema: JsonSchema): Record<string, number[]> | undefined {
  const packing = schema['x-packing'] as { thresholds?: Record<string, number[]> } | undefined;
  return packing === undefined ? undefined : (packing.thresholds ?? {});
}

/** A break found comparing the producer's schema with a reader, said from the reader's side. */
function forward(b: BreakingChange): BreakingChange {
  const rules: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^enum narrowed: (.+) removed$/, (m) => `the producer may now send ${m[1]}, outside the reader's enum`],
    [/^enum added/, () => 'the reader takes only some values; the producer may send any'],
    [/^optional field made required$/, () => 'the producer may now leave it out; the reader requires it'],
    [/^new required field$/, () => 'the reader requires it; the producer does not send it'],
    [/^(maximum|exclusiveMaximum|maxLength|maxItems) lowered to (.+)$/, (m) => `the producer may now go above the reader's ${m[1]} (${m[2]})`],
    [/^(minimum|exclusiveMinimum|minLength|minItems) raised to (.+)$/, (m) => `the producer may now go below the reader's ${m[1]} (${m[2]})`],
    [/^type changed from (.+) to (.+)$/, (m) => `the producer may now send ${m[1]}; the reader takes ${m[2]}`],
  ];
  for (const [pattern, say] of rules) {
    const match = b.problem.match(pattern);
    if (match) return { path: b.path, problem: say(match) };
  }
  return { path: b.path, problem: `the reader refuses what the producer may now send (${b.problem})` };
}

export function describeProblem(p: GateProblem): string {
  return `${p.type} v${p.version}: ${p.path}: ${p.problem}. Breaks: ${p.breaks}. Way out: ${p.wayOut}.`;
}
