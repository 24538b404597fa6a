// Tests: service declarations.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceDeclarations } from './loadDeclarations';
import { generatedServiceFiles } from './generate';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('service declarations', () => {
  it('are what the Dockerfiles and docker-compose.yml are generated from (else: npm run services, and commit)', () => {
    for (const [path, content] of generatedServiceFiles(root, loadServiceDeclarations(root))) expect(readFileSync(join(root, path), 'utf8'), path).toBe(content);
  });

  describe('on a copy with mistakes', () => {
    const copy = mkdtempSync(join(tmpdir(), 'services-'));
    cpSync(join(root, 'apps'), join(copy, 'apps'), { recursive: true, filter: (src) => !src.includes('node_modules') });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it('names every problem: a port taken twice, a name that is not the folder, an unknown field', () => {
      const edit = (app: string, change: object) => {
        const file = join(copy, 'apps', app, 'service.json');
        writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...change }));
      };
      edit('weather-manager', { port: 3001 });
      edit('sample-consumer', { name: 'other', replicas: 3 });
      expect(() => loadServiceDeclarations(copy)).toThrow(/apps\/sample-consumer\/service.json: \(root\): Unrecognized key: "replicas"[\s\S]*weather-manager and time-manager both declare port 3001/);
    });
  });
});
