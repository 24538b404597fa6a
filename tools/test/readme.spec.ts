// Tests: the README is true of the code: its configuration table, commands, targets and files.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadServiceDeclarations } from '@game-mesh/services';
import { describe, expect, it } from 'vitest';
import { configurationTable, withConfigurationTable } from '../codegen/configTable';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const unique = (values: Iterable<string>) => [...new Set(values)].sort();

// The README is held to the code: its configuration table is what the services parse, its commands
// are commands the repository has, and the files it names exist.
describe('the README', () => {
  it('lists every variable a service reads, as its config schema says (npm run services writes the table)', async () => {
    const table = await configurationTable(root, loadServiceDeclarations(root));
    expect(readme).toBe(withConfigurationTable(readme, table));
    // The table is not vacuous: every variable the base schema and one app's own settings read is in it.
    for (const variable of ['HOST', 'OPERATOR_TOKEN', 'IDEMPOTENCY_TABLE', 'SHUTDOWN_TIMEOUT_MS', 'EVENTS_QUEUE_URL_SEVERE', 'WEATHER_SEED', 'OTEL_PROPAGATORS']) expect(table).toContain(`| \`${variable}\` |`);
  }, 60_000);

  it('names only npm scripts that exist', () => {
    const named = unique([...readme.matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });

  it('names only ops commands the CLI has', () => {
    const commands = unique([...readme.matchAll(/npm run events -- ([a-z-]+)/g)].map((m) => m[1]!));
    expect(commands).toEqual(expect.arrayContaining(['doctor', 'peek', 'publish', 'redrive', 'tail']));
    const help = execFileSync(join(root, 'node_modules/.bin/tsx'), ['--tsconfig', 'tools/tsconfig.json', 'tools/ops/src/cli.ts', '--help'], { cwd: root, encoding: 'utf8' });
    for (const command of commands) expect(help, command).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  }, 30_000);

  it('links and names only files that exist', () => {
    const linked = [...readme.matchAll(/\]\(((?:apps|libs|tools|contracts)\/[^)#]+)\)/g)].map((m) => m[1]!);
    const named = [...readme.matchAll(/`((?:apps|libs|tools|contracts|\.github)\/[\w./-]+\.[a-z]+)`/g)].map((m) => m[1]!).filter((path) => !path.includes('<'));
    expect(linked.length + named.length).toBeGreaterThan(10);
    expect(unique([...linked, ...named]).filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('names only nx targets that exist', () => {
    const targets = unique([...readme.matchAll(/nx run ([a-z-]+):([a-z-]+)/g)].map((m) => `${m[1]}:${m[2]}`));
    for (const target of targets) {
      const [project, name] = target.split(':') as [string, string];
      const json = execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'project', project, '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
      expect(Object.keys((JSON.parse(json) as { targets: Record<string, unknown> }).targets), target).toContain(name);
    }
  }, 60_000);
});
