// `npm run contracts`: regenerates contracts/ (JSON Schemas, examples, AsyncAPI, catalog page).
// `npm run contracts -- --check`: fails, naming the file, when contracts/ is stale; either way a
// change that could break a reader of a shipped (type, version) is refused.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakingChanges, describeBreak, generateContractFiles, staleFiles } from './contractFiles';

const root = fileURLToPath(new URL('../..', import.meta.url));
const contractsDir = join(root, 'contracts');
const check = process.argv.includes('--check');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const files = generateContractFiles(version);

const breaks = breakingChanges(contractsDir, files);
if (breaks.length > 0) {
  console.error(`Breaking change to a shipped event version (rule: BACKWARD, no field removed):\n${breaks.map((b) => `  - ${describeBreak(b)}`).join('\n')}`);
  process.exit(1);
}
const stale = staleFiles(contractsDir, files);
if (check) {
  if (stale.length > 0) {
    console.error(`contracts/ is stale; run \`npm run contracts\` and commit:\n${stale.map((s) => `  - ${s}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`contracts/ is up to date (${files.size} files)`);
} else {
  rmSync(contractsDir, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(contractsDir, path)), { recursive: true });
    writeFileSync(join(contractsDir, path), content);
  }
  console.log(`wrote ${files.size} files to contracts/${stale.length > 0 ? ` (${stale.length} changed)` : ' (no change)'}`);
}
