#!/usr/bin/env node
// Bundles one app into dist/apps/<app>/main.cjs: a single CommonJS file with every dependency
// inside, which starts with a bare `node main.cjs` — no node_modules, no monorepo files.
import { build } from 'esbuild';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = process.argv[2];
if (!app || !/^[a-z][a-z0-9-]*$/.test(app)) {
  console.error('usage: node tools/build/bundle.mjs <app>');
  process.exit(2);
}
const outdir = join(root, 'dist', 'apps', app);
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
  outfile: join(outdir, 'main.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  tsconfig: join(root, 'apps', app, 'tsconfig.json'),
  metafile: true,
  logLevel: 'warning',
});
await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const { size } = await stat(join(outdir, 'main.cjs'));
console.log(`${app}: dist/apps/${app}/main.cjs ${(size / 1024 / 1024).toFixed(2)} MiB`);
