// Tests: the committed contract.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backwardBreaks } from '../contracts/compatibility';
import { generateContractFiles, staleFiles } from '../contracts/contractFiles';
import { contractState, describeProblem, gateProblems } from '../contracts/gate';
import { readSchemaHistory } from '../contracts/history';
import type { JsonSchema } from '../contracts/schemas';

const root = fileURLToPath(new URL('../..', import.meta.url));
const contractsDir = join(root, 'contracts');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const generated = generateContractFiles(version);

describe('the committed contract', () => {
  it('breaks no (type, version) that ever landed, against every schema in git history', () => {
    expect(gateProblems(readSchemaHistory(root), contractState(generated)).map(describeProblem)).toEqual([]);
  });

  it('is what `npm run contracts` generates (else: run it and commit)', () => {
    expect(staleFiles(contractsDir, generated)).toEqual([]);
  });
});

describe('staleness on a copy of contracts/', () => {
  const copy = mkdtempSync(join(tmpdir(), 'contracts-'));
  cpSync(contractsDir, copy, { recursive: true });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('names a stale file', () => {
    writeFileSync(join(copy, 'CATALOG.md'), 'edited by hand\n');
    expect(staleFiles(copy, generated)).toEqual(['contracts/CATALOG.md']);
  });
});

const schema = (s: z.ZodType): JsonSchema => z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
const base = z.object({ name: z.string(), level: z.int().min(1).max(10), mood: z.enum(['calm', 'angry']), note: z.string().optional(), tags: z.array(z.string()) });

describe('BACKWARD compatibility checker', () => {
  it.each([
    ['removing a field', base, base.omit({ level: true }), 'level: field removed (or renamed)'],
    ['renaming a field', base, base.omit({ name: true }).extend({ fullName: z.string() }), 'name: field removed (or renamed)'],
    ['making an optional field required', base, base.extend({ note: z.string() }), 'note: optional field made required'],
    ['adding a required field', base, base.extend({ rank: z.number() }), 'rank: new required field'],
    ['narrowing an enum', base, base.extend({ mood: z.enum(['calm']) }), 'mood: enum narrowed: "angry" removed'],
    ['raising a minimum', base, base.extend({ level: z.int().min(2).max(10) }), 'level: minimum raised to 2'],
    ['lowering a maximum', base, base.extend({ level: z.int().min(1).max(5) }), 'level: maximum lowered to 5'],
    ['narrowing a number to an integer', base.extend({ level: z.number().min(1).max(10) }), base, 'level: type changed from number to integer'],
    ['changing a type', base, base.extend({ level: z.string() }), 'level: type changed from integer to string'],
    ['adding a pattern', base, base.extend({ name: z.string().regex(/^[a-z]+$/) }), 'name: pattern added'],
    ['adding a format', base, base.extend({ name: z.email() }), 'name: format added'],
    ['changing array items', base, base.extend({ tags: z.array(z.number()) }), 'tags[]: type changed from string to number'],
    ['making a nullable field non-nullable', base.extend({ note: z.string().nullable().optional() }), base, 'note: type changed from string|null to string'],
    ['closing the object', base, base.strict(), '(root): closed to additional properties'],
    ['adding multipleOf', base, base.extend({ level: z.int().min(1).max(10).multipleOf(2) }), 'level: multipleOf added (2)'],
  ])('refuses %s', (_label, from, to, expected) => {
    expect(backwardBreaks(schema(from), schema(to)).map((p) => `${p.path}: ${p.problem}`)).toContain(expected);
  });

  it.each([
    ['nothing', base],
    ['adding an optional field', base.extend({ rank: z.number().optional() })],
    ['widening an enum', base.extend({ mood: z.enum(['calm', 'angry', 'sleepy']) })],
    ['integer to number', base.extend({ level: z.number().min(1).max(10) })],
    ['relaxing bounds', base.extend({ level: z.int().min(0).max(100) })],
    ['making a required field optional', base.extend({ name: z.string().optional() })],
    ['making a field nullable', base.extend({ name: z.string().nullable() })],
    ['changing only descriptions', base.extend({ name: z.string().describe('The name.') })],
  ])('allows %s', (_label, changed) => {
    expect(backwardBreaks(schema(base), schema(changed))).toEqual([]);
  });
});

describe('the exported JSON Schemas, read by ajv (not zod)', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const schemaFiles = [...generated.keys()].filter((path) => path.startsWith('schemas/'));

  it.each(schemaFiles)('%s accepts its examples and rejects known-bad events', (path) => {
    const validate = ajv.compile(JSON.parse(readFileSync(join(contractsDir, path), 'utf8')) as object);
    const examplesDir = join(contractsDir, path.replace(/^schemas\//, 'examples/').replace(/\.schema\.json$/, ''));
    const examples = readdirSync(examplesDir).map((file) => JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(validate(example), JSON.stringify(validate.errors)).toBe(true);

    const [good] = examples as [Record<string, unknown> & { data: Record<string, unknown> }];
    const bad: [string, unknown][] = [
      ['no id', { ...good, id: undefined }],
      ['id not a uuid', { ...good, id: 'event-1' }],
      ['time not ISO 8601', { ...good, time: 'yesterday' }],
      ['another version', { ...good, version: good['version'] as number + 1 }],
      ['another type', { ...good, type: 'other.thing' }],
      ['data not an object', { ...good, data: 'x' }],
      ...Object.keys(good.data).map((field): [string, unknown] => [`data without ${field}`, { ...good, data: { ...good.data, [field]: undefined } }]),
      ...Object.keys(good.data).map((field): [string, unknown] => [`data.${field} of the wrong type`, { ...good, data: { ...good.data, [field]: { wrong: true } } }]),
    ];
    for (const [label, event] of bad) {
      expect(validate(JSON.parse(JSON.stringify(event))), `${path}: ${label} should be rejected`).toBe(false);
    }
  });
});
