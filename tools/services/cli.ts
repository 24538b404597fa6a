// `npm run services`: writes what derives from apps/<name>/service.json (each app's Dockerfile, the apps
// section of docker-compose.yml). `--check`: fails naming each file that is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedServiceFiles, loadServiceDeclarations, workspaceRoot } from '@game-mesh/services';

const root = workspaceRoot(fileURLToPath(new URL('.', import.meta.url)));
const files = generatedServiceFiles(root, loadServiceDeclarations(root));
const stale = [...files].filter(([path, content]) => {
  try {
    return readFileSync(join(root, path), 'utf8') !== content;
  } catch {
    return true;
  }
});
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    console.error(`stale; run \`npm run services\` and commit:\n${stale.map(([path]) => `  - ${path}`).join('\n')}`);
    process.exitCode = 1;
  } else console.log(`${files.size} files up to date`);
} else {
  for (const [path, content] of stale) writeFileSync(join(root, path), content);
  console.log(`wrote ${stale.length} of ${files.size} files`);
}
