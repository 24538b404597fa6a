// `npm run services`: writes what derives from apps/<name>/service.json (each app's Dockerfile,
// project.json and typed declaration, the compose apps section, Prometheus's targets and rules) and
// the README's configuration table. `--check`: fails naming each file that is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedServiceFiles, loadServiceDeclarations, workspaceRoot } from '@game-mesh/services';
import { configurationTable, withConfigurationTable } from './configTable';

const root = workspaceRoot(fileURLToPath(new URL('.', import.meta.url)));
const declarations = loadServiceDeclarations(root);
const files = generatedServiceFiles(root, declarations);
const read = (path: string): string | undefined => {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
};
// The declared files first: the table is read from the apps' code, which imports them.
const stale = [...files].filter(([path, content]) => read(path) !== content);
const check = process.argv.includes('--check');
if (!check) for (const [path, content] of stale) writeFileSync(join(root, path), content);
const readme = read('README.md') ?? '';
const documented = withConfigurationTable(readme, await configurationTable(root, declarations));
if (documented !== readme) stale.push(['README.md', documented]);
if (check) {
  if (stale.length > 0) {
    console.error(`stale; run \`npm run services\` and commit:\n${stale.map(([path]) => `  - ${path}`).join('\n')}`);
    process.exitCode = 1;
  } else console.log(`${files.size + 1} files up to date`);
} else {
  if (documented !== readme) writeFileSync(join(root, 'README.md'), documented);
  console.log(`wrote ${stale.length} of ${files.size + 1} files`);
}
