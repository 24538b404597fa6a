// Tests: the contract gate refuses a breaking change, judged against git history.
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { consumedEnvelopeSchema, gameEvents, weatherChangedV1Schema, weatherStateSchema, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canIDeploy } from '../contracts/canIDeploy';
import { generateContractFiles, type ContractSource } from '../contracts/contractFiles';
import { FileDeploymentRecords, SsmDeploymentRecords } from '../contracts/deployments';
import { contractState, describeProblem, gateProblems } from '../contracts/gate';
import { readSchemaHistory } from '../contracts/history';
import { loadGameTopology } from '@game-mesh/services';

// The gate runs against a throwaway git repository whose history holds the contract as it is on
// main; each case is the change a pull request would make (the catalog edited, contracts/
// regenerated, or files deleted), checked against that history.

const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

function newRepo(): string {
  const repo = mkdtempSync(join(tmpdir(), 'gate-'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 'ci@example.com');
  git(repo, 'config', 'user.name', 'ci');
  return repo;
}

function commitContracts(repo: string, files: ReadonlyMap<string, string>, message: string): string {
  rmSync(join(repo, 'contracts'), { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(repo, 'contracts', path)), { recursive: true });
    writeFileSync(join(repo, 'contracts', path), content);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

// --- the changes, as a team would write them in libs/events ---------------------------------

type Source = ContractSource<Catalog>;
const gameTopology = loadGameTopology(fileURLToPath(new URL('../..', import.meta.url)));
const base: Source = { catalog: gameEvents, topology: gameTopology as unknown as TopologyDeclaration<Catalog> };
const weather = gameEvents['weather.changed'];
const weatherV1 = weather.versions[1];
const sampleConsumerQueues = gameTopology.consumers['sample-consumer']!;

/** weather.changed v1 with another data schema; readers as they are unless given. */
function weatherWith(schema: z.ZodType, options: { filterType?: 'String'; compatibility?: 'BACKWARD' } = {}): Source {
  const filterAttributes = options.filterType
    ? { intensity: { dataType: options.filterType, description: 'intensity', select: (d: { current: { intensity: number } }) => String(d.current.intensity) } }
    : weatherV1.filterAttributes;
  const catalog = {
    ...gameEvents,
    'weather.changed': { ...weather, ...(options.compatibility ? { compatibility: options.compatibility } : {}), versions: { 1: { ...weatherV1, schema, filterAttributes } } },
  } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}

const state = (overrides: Partial<z.infer<typeof weatherStateSchema>> | Record<string, z.ZodType>) => weatherStateSchema.extend(overrides as Record<string, z.ZodType>);
const withCurrent = (current: z.ZodType) => weatherChangedV1Schema.extend({ current });

/** weather.changed v2 (a new required field, upcast from v1), current; sample-consumer moved to it or not. */
function weatherV2(consumersMoved: boolean): Source {
  const v2Schema = weatherChangedV1Schema.extend({ windKph: z.number().min(0).describe('Wind speed.') });
  const v2 = { ...weatherV1, schema: v2Schema, upcastFromPrevious: (v1: z.output<typeof weatherChangedV1Schema>) => ({ ...v1, windKph: 0 }), examples: [{ ...weatherV1.examples[0], windKph: 5 }] };
  const catalog = { ...gameEvents, 'weather.changed': { ...weather, current: 2, versions: { 1: weatherV1, 2: v2 } } } as unknown as Catalog;
  const reader = v2Schema.pick({ current: true, windKph: true });
  const topology = consumersMoved
    ? {
        catalog,
        consumers: {
          ...gameTopology.consumers,
          'sample-consumer': {
            main: { subscriptions: [{ type: 'weather.changed', version: 2, reads: reader }, sampleConsumerQueues.main!.subscriptions[1]!] },
            severe: { subscriptions: [{ ...sampleConsumerQueues.severe!.subscriptions[0]!, version: 2, reads: reader }] },
          },
        },
      }
    : { ...gameTopology, catalog };
  return { catalog, topology: topology as unknown as TopologyDeclaration<Catalog> };
}

function withoutWeather(files: Map<string, string>): Map<string, string> {
  return new Map([...files].filter(([path]) => !path.includes('weather.changed')));
}

function renamedWeather(): Source {
  const { 'weather.changed': renamed, ...rest } = gameEvents;
  const catalog = { ...rest, 'weather.updated': renamed } as unknown as Catalog;
  const consumers = {
    ...gameTopology.consumers,
    'sample-consumer': {
      main: { subscriptions: [{ type: 'weather.updated' }, sampleConsumerQueues.main!.subscriptions[1]!] },
      severe: { subscriptions: [{ type: 'weather.updated', filter: { intensity: [{ numeric: ['>=', 0.8] }] } }] },
    },
  };
  return { catalog, topology: { catalog, consumers } as unknown as TopologyDeclaration<Catalog> };
}

/** The inventory's ordered types grouped by another field of their data. */
function orderedBy(field: string): Source {
  const catalog = { ...gameEvents, 'item.granted': { ...gameEvents['item.granted'], ordering: { groupBy: field } }, 'item.spent': { ...gameEvents['item.spent'], ordering: { groupBy: field } } } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}

/** weather.changed made high-volume (packed), or a new high-volume type added beside it. */
function weatherPacked(): Source {
  const catalog = { ...gameEvents, 'weather.changed': { ...weather, highVolume: true } } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}
function newPackedType(): Source {
  const catalog = { ...gameEvents, 'weather.sampled': { ...weather, description: 'Weather telemetry.', highVolume: true } } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}

/** The new high-volume type with its intensity cut at `thresholds` (where its packs are cut). */
function packedCutAt(thresholds: readonly number[]): Source {
  const v1 = weather.versions[1]!;
  const intensity = { ...v1.filterAttributes!['intensity']!, thresholds };
  const sampled = { ...weather, description: 'Weather telemetry.', highVolume: true, versions: { 1: { ...v1, filterAttributes: { ...v1.filterAttributes, intensity } } } };
  const catalog = { ...gameEvents, 'weather.sampled': sampled } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}

/** weather.changed (and time.changed, which would otherwise share nothing) made ordered. */
function weatherOrdered(): Source {
  const catalog = { ...gameEvents, 'weather.changed': { ...weather, ordering: { groupBy: 'cause' } } } as unknown as Catalog;
  return { catalog, topology: { ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog> };
}

const retire = (type: string, version: number) => new Map([['retired.json', JSON.stringify({ retired: [{ type, version, reason: 'test' }] })]]);

interface Case {
  label: string;
  files: () => Map<string, string>;
  /** Substrings the refusal must contain (type, path, who breaks); empty: allowed. */
  refused: string[];
}

const generate = (source: Source) => generateContractFiles('0.0.0', source);

const cases: Case[] = [
  { label: 'nothing changed', files: () => generate(base), refused: [] },
  { label: 'break + regenerate (intensity made a string, contracts/ regenerated)', files: () => generate(weatherWith(withCurrent(state({ intensity: z.string() })))), refused: ['weather.changed v1: data.current.intensity: type changed'] },
  { label: 'break + delete (the shipped schema deleted with the change)', files: () => withoutWeather(generate(weatherWith(withCurrent(state({ intensity: z.string() }))))), refused: ['weather.changed v1: (root): this shipped version is gone'] },
  { label: 'rename + delete (weather.changed renamed to weather.updated)', files: () => generate(renamedWeather()), refused: ['weather.changed v1: (root): this shipped version is gone'] },
  { label: 'enum widening (hail)', files: () => generate(weatherWith(withCurrent(state({ condition: z.enum(['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog', 'hail']) })))), refused: ['data.current.condition: the producer may now send "hail", outside the reader\'s enum', 'sample-consumer (main queue) (FORWARD'] },
  { label: 'required → optional (intensity, which sample-consumer reads)', files: () => generate(weatherWith(withCurrent(state({ intensity: z.number().min(0).max(1).optional() })))), refused: ['data.current.intensity: the producer may now leave it out; the reader requires it', 'sample-consumer (main queue)'] },
  { label: 'loosening a bound (intensity up to 2)', files: () => generate(weatherWith(withCurrent(state({ intensity: z.number().min(0).max(2) })))), refused: ["data.current.intensity: the producer may now go above the reader's maximum (1)", 'sample-consumer (severe queue)'] },
  { label: 'a new current version while sample-consumer reads v1', files: () => generate(weatherV2(false)), refused: ['weather.changed v2: (root): it reads v1 but the producer publishes v2', 'sample-consumer (main queue)'] },
  { label: 'envelope: correlationId made a uuid', files: () => generate({ ...base, envelope: consumedEnvelopeSchema.extend({ correlationId: z.uuid() }) }), refused: ['correlationId: format added'] },
  { label: 'envelope: causationId required', files: () => generate({ ...base, envelope: consumedEnvelopeSchema.extend({ causationId: z.string() }) }), refused: ['causationId: optional field made required'] },
  { label: 'filter attribute intensity turned from Number to String', files: () => generate(weatherWith(weatherChangedV1Schema, { filterType: 'String' })), refused: ['attributes.intensity: message attribute data type changed from Number to String'] },
  { label: 'a field a reader depends on removed (current.temperatureCelsius)', files: () => generate(weatherWith(withCurrent(weatherStateSchema.omit({ temperatureCelsius: true })))), refused: ['data.current.temperatureCelsius', 'sample-consumer (main queue) (FORWARD'] },
  { label: '.multipleOf() added', files: () => generate(weatherWith(withCurrent(state({ intensity: z.number().min(0).max(1).multipleOf(0.1) })))), refused: ['data.current.intensity: multipleOf added'] },
  { label: 'a refinement JSON Schema cannot express', files: () => generate(weatherWith(weatherChangedV1Schema.refine((d) => d.current.intensity >= 0))), refused: ['weather.changed v1: data: a refinement JSON Schema cannot express'] },
  {
    label: 'a read without a pinned version',
    files: () => generate({ ...base, topology: { ...gameTopology, consumers: { ...gameTopology.consumers, 'weather-manager': { main: { subscriptions: [{ type: 'time.changed' }] } } } } as unknown as TopologyDeclaration<Catalog> }),
    refused: ['time.changed v1: (root): read without a pinned version', 'weather-manager (main queue)'],
  },
  { label: 'retiring a version a consumer still reads', files: () => new Map([...generate(base), ...retire('time.changed', 1)]), refused: ['time.changed v1: (root): retired while this consumer still reads it', 'weather-manager (main queue)'] },
  { label: 'an ordered type grouped by another field (item.granted by item)', files: () => generate(orderedBy('item')), refused: ['item.granted v1: ordering: ordering changed from {"groupBy":"playerId"} to {"groupBy":"item"}'] },
  { label: 'a shipped type made ordered (weather.changed by cause)', files: () => generate(weatherOrdered()), refused: ['weather.changed v1: ordering: ordering changed from "none" to {"groupBy":"cause"}'] },
  { label: 'a shipped type made high-volume (weather.changed packed)', files: () => generate(weatherPacked()), refused: ['weather.changed v1: packing: packing changed from "none" to "packed"', 'every deployed consumer'] },
  // Allowed:
  { label: 'a new high-volume type', files: () => generate(newPackedType()), refused: [] },
  { label: 'a compatible v2 with an upcaster, consumers moved to it', files: () => generate(weatherV2(true)), refused: [] },
  { label: 'an optional field added', files: () => generate(weatherWith(weatherChangedV1Schema.extend({ region: z.string().optional() }))), refused: [] },
  { label: 'required → optional for a field no consumer reads (cause)', files: () => generate(weatherWith(weatherChangedV1Schema.extend({ cause: z.enum(['simulation', 'operator']).optional() }))), refused: [] },
  { label: 'a field no consumer reads dropped (previous)', files: () => generate(weatherWith(weatherChangedV1Schema.omit({ previous: true }))), refused: [] },
  { label: 'enum widening on a type whose team chose BACKWARD', files: () => generate(weatherWith(withCurrent(state({ condition: z.enum(['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog', 'hail']) })), { compatibility: 'BACKWARD' })), refused: [] },
];

describe('the contract gate, against git history', () => {
  let repo: string;
  beforeAll(() => {
    repo = newRepo();
    commitContracts(repo, generate(base), 'the contract as it is on main');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it.each(cases)('$label', ({ files, refused }) => {
    const problems = gateProblems(readSchemaHistory(repo), contractState(files())).map(describeProblem);
    if (refused.length === 0) expect(problems).toEqual([]);
    else for (const expected of refused) expect(problems.join('\n')).toContain(expected);
    for (const problem of problems) expect(problem).toMatch(/Breaks: .+\. Way out: .+/);
  });

  it("refuses removing a shipped packed type's threshold, or thresholds that leave out where a deployed filter cuts; allows adding one", () => {
    const branch = newRepo();
    try {
      commitContracts(branch, generate(packedCutAt([0.5, 0.8])), 'weather.sampled shipped, cut at 0.5 and 0.8');
      const problems = (thresholds: number[]) => gateProblems(readSchemaHistory(branch), contractState(generate(packedCutAt(thresholds)))).map(describeProblem).join('\n');
      expect(problems([0.5])).toContain('weather.sampled v1: packing.thresholds.intensity: threshold 0.8 removed from a packed type');
      expect(problems([0.5])).toMatch(/Breaks: filter policies cutting intensity at 0\.8\. Way out: keep the threshold/);
      expect(problems([0.5, 0.8, 0.9])).toBe('');
      // A consumer deployed with a filter cutting at 0.6: the change's thresholds must cut there too.
      const deployed = { revision: 'deployed0', changedServices: new Set<string>(), readers: [{ service: 'board', reads: [{ queue: 'main', type: 'weather.sampled', version: 1, pinned: true, filter: { intensity: [{ numeric: ['>=', 0.6] }] }, reader: null }] }] };
      const judged = (thresholds: number[]) => gateProblems(readSchemaHistory(branch), contractState(generate(packedCutAt(thresholds))), deployed).map(describeProblem).join('\n');
      expect(judged([0.5, 0.8])).toContain('weather.sampled v1: packing.thresholds.intensity: filter.intensity[0]: 0.6 is not one of the attribute\'s thresholds (0.5, 0.8)');
      expect(judged([0.5, 0.8])).toContain('Breaks: board (main queue) as deployed (deployed');
      expect(judged([0.5, 0.6, 0.8])).toBe('');
    } finally {
      rmSync(branch, { recursive: true, force: true });
    }
  });

  it('still refuses once the break is committed: history keeps every earlier schema', () => {
    const branch = newRepo();
    try {
      commitContracts(branch, generate(base), 'main');
      // A field no reader reads, so only the history can tell the shipped schema from the broken one.
      const broken = generate(weatherWith(weatherChangedV1Schema.extend({ previous: state({ intensity: z.string() }) })));
      commitContracts(branch, broken, 'break and regenerate, committed');
      expect(gateProblems(readSchemaHistory(branch), contractState(broken)).map(describeProblem).join('\n')).toContain(
        'weather.changed v1: data.previous.intensity: type changed from number to string. Breaks: readers of events already published (BACKWARD)',
      );
    } finally {
      rmSync(branch, { recursive: true, force: true });
    }
  });

  it('refuses to run on a shallow clone, where the history it needs is missing', () => {
    const shallow = mkdtempSync(join(tmpdir(), 'shallow-'));
    try {
      commitContracts(repo, generate(weatherWith(weatherChangedV1Schema.extend({ region: z.string().optional() }))), 'second commit');
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow]);
      expect(() => readSchemaHistory(shallow)).toThrow(/shallow: fetch the whole history.*fetch-depth: 0/);
    } finally {
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});

describe('can-i-deploy, from the history of the catalog and the revisions recorded per environment', () => {
  let repo: string;
  let rev1: string;
  let rev2: string;
  let records: FileDeploymentRecords;
  beforeAll(async () => {
    repo = newRepo();
    rev1 = commitContracts(repo, generate(base), 'weather.changed v1');
    rev2 = commitContracts(repo, generate(weatherV2(true)), 'weather.changed v2 current; sample-consumer reads v2');
    records = new FileDeploymentRecords(join(repo, '.deployments'));
    // prod still runs everything at rev1; staging already has the consumers at rev2.
    for (const app of ['time-manager', 'weather-manager', 'sample-consumer']) await records.record('prod', app, rev1);
    for (const app of ['time-manager', 'weather-manager']) await records.record('staging', app, rev1);
    await records.record('staging', 'sample-consumer', rev2);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('refuses the producer of v2 where a consumer still reads v1, naming it', async () => {
    const verdict = canIDeploy(repo, 'weather-manager', rev2, await records.deployed('prod'));
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons.join('\n')).toContain(`sample-consumer@${rev1.slice(0, 8)} (main queue) cannot read weather.changed v2 from weather-manager@${rev2.slice(0, 8)}: it reads v1`);
  });

  it('allows it where the consumers were deployed first', async () => {
    const verdict = canIDeploy(repo, 'weather-manager', rev2, await records.deployed('staging'));
    expect(verdict).toMatchObject({ ok: true, reasons: [] });
    expect(verdict.checked).toContain(`weather-manager@${rev2.slice(0, 8)} publishes weather.changed v2 → sample-consumer@${rev2.slice(0, 8)} (main) reads v2`);
  });

  it('allows the consumer first: it reads the v1 that prod still publishes through its upcaster', async () => {
    const verdict = canIDeploy(repo, 'sample-consumer', rev2, await records.deployed('prod'));
    expect(verdict).toMatchObject({ ok: true, reasons: [] });
    expect(verdict.checked).toContain(`weather-manager@${rev1.slice(0, 8)} publishes weather.changed v1 → sample-consumer@${rev2.slice(0, 8)} (main) reads v2`);
  });

  it('refuses a consumer that would go back to v1 while v2 is published', async () => {
    await records.record('staging', 'weather-manager', rev2);
    const verdict = canIDeploy(repo, 'sample-consumer', rev1, await records.deployed('staging'));
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons.join('\n')).toMatch(/sample-consumer@\w+ \(main queue\) cannot read weather.changed v2 from weather-manager/);
  });
});

describe('deployment records on SSM Parameter Store', () => {
  it('writes /game-mesh/<env>/deployed/<app> and reads the environment back by path (SSM JSON protocol, recorded shapes)', async () => {
    // No emulator here speaks SSM: a small HTTP server answers the two calls as AWS does.
    const parameters = new Map<string, string>();
    const targets: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target']);
        targets.push(target);
        const input = JSON.parse(body) as { Name?: string; Value?: string; Path?: string };
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        if (target === 'AmazonSSM.PutParameter') {
          parameters.set(input.Name!, input.Value!);
          res.end(JSON.stringify({ Version: 1, Tier: 'Standard' }));
        } else {
          const found = [...parameters].filter(([name]) => name.startsWith(input.Path!)).map(([Name, Value]) => ({ Name, Value, Type: 'String', Version: 1 }));
          res.end(JSON.stringify({ Parameters: found }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const ssm = new SSMClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const store = new SsmDeploymentRecords(ssm);
      await store.record('prod', 'weather-manager', 'abc123');
      await store.record('prod', 'sample-consumer', 'def456');
      await store.record('staging', 'sample-consumer', 'fff000');
      expect(await store.deployed('prod')).toEqual({ 'weather-manager': 'abc123', 'sample-consumer': 'def456' });
      expect([...parameters.keys()]).toContain('/game-mesh/prod/deployed/weather-manager');
      expect(targets).toEqual(['AmazonSSM.PutParameter', 'AmazonSSM.PutParameter', 'AmazonSSM.PutParameter', 'AmazonSSM.GetParametersByPath']);
    } finally {
      server.close();
    }
  });
});

