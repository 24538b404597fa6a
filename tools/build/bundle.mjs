#!/usr/bin/env node
// Bundles one app into dist/apps/<app>/main.cjs: a single CommonJS file with every dependency
// inside, which starts with a bare `node main.cjs` — no node_modules, no monorepo files.
//   node tools/build/bundle.mjs <app>
//   node tools/build/bundle.mjs --tool <entry.ts> <out.mjs>   (an ESM command-line tool)
import { build } from 'esbuild';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The Node that builds is the one that runs the bundle: in the images, .nvmrc's.
const common = { bundle: true, platform: 'node', target: `node${process.versions.node.split('.')[0]}`, minify: true, keepNames: true, sourcemap: 'linked', legalComments: 'linked', logLevel: 'warning' };

/**
 * express's media types (mime-db, 2,400 of them as one JSON) cost a service 13.6 MiB of idle RSS
 * and 30 ms of start (`npm run bench:services`): an app bundle keeps the ones a service sends or
 * reads, with their charsets and extensions as mime-db has them. A type named in full still works
 * (`res.type('text/csv')`); only an extension outside the list (`res.type('csv')`) would become
 * application/octet-stream. tools/test/bundles.spec.ts checks what each service sends.
 */
export const KEPT_MEDIA_TYPES = [
  'application/json', 'application/problem+json', 'application/javascript', 'application/octet-stream', 'application/x-www-form-urlencoded',
  'application/xml', 'multipart/form-data', 'text/css', 'text/csv', 'text/html', 'text/javascript', 'text/plain', 'text/xml',
  'image/png', 'image/svg+xml', 'image/x-icon',
];
const trimMediaTypes = {
  name: 'trim-mime-db',
  setup(b) {
    b.onLoad({ filter: /[\\/]mime-db[\\/]db\.json$/ }, async ({ path }) => {
      const db = JSON.parse(await readFile(path, 'utf8'));
      const missing = KEPT_MEDIA_TYPES.filter((type) => !(type in db));
      if (missing.length > 0) throw new Error(`mime-db has no ${missing.join(', ')}`);
      return { contents: JSON.stringify(Object.fromEntries(KEPT_MEDIA_TYPES.map((type) => [type, db[type]]))), loader: 'json' };
    });
  },
};

/**
 * Two tables no service reads, 0.7 MiB of a 2.27 MiB bundle and 4.5 MiB of idle RSS (V8 parses
 * the whole bundle at start): iconv-lite's Asian double-byte and generated single-byte code pages
 * (body-parser decodes request bodies with it; a JSON body is UTF-8, RFC 8259, and any other
 * charset is answered 415 as before: "unsupported charset") and zod's 40 translated error
 * locales (the contract's errors are English; `z.locales.en` stays). bundles.spec checks both.
 */
const trimTables = {
  name: 'trim-tables',
  setup(b) {
    // iconv-lite's index lists its codec modules; keep all but the code-page tables.
    b.onLoad({ filter: /[\\/]iconv-lite[\\/]encodings[\\/]index\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const dropped = ['./sbcs-data-generated', './dbcs-codec', './dbcs-data'];
      const missing = dropped.filter((module) => !source.includes(`require("${module}")`));
      if (missing.length > 0) throw new Error(`iconv-lite's encodings/index.js no longer requires ${missing.join(', ')}: review trim-tables`);
      return { contents: dropped.reduce((text, module) => text.replace(`require("${module}")`, '{}'), source), loader: 'js', resolveDir: dirname(path) };
    });
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, async ({ path }) => {
      if (!(await readFile(path, 'utf8')).includes('export { default as en } from "./en.js";')) throw new Error("zod's locales/index.js no longer exports en: review trim-tables");
      return { contents: 'export { default as en } from "./en.js";', loader: 'js', resolveDir: dirname(path) };
    });
  },
};

if (process.argv[2] === '--tool') {
  const [, , , entry, outfile] = process.argv;
  if (!entry || !outfile) usage();
  await build({
    ...common,
    entryPoints: [join(root, entry)],
    outfile,
    format: 'esm',
    tsconfig: join(root, 'tools', 'tsconfig.json'),
    // Bundled CommonJS dependencies still call require(); give ESM one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  console.log(`${entry}: ${outfile}`);
} else {
  const app = process.argv[2];
  // Only a declared app: the name then names a folder of apps/ and nothing else.
  if (!app || basename(app) !== app || app.startsWith('.') || !existsSync(join(root, 'apps', app, 'service.json'))) usage();
  const outdir = join(root, 'dist', 'apps', app);
  await mkdir(outdir, { recursive: true });
  const result = await build({
    ...common,
    entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
    outfile: join(outdir, 'main.cjs'),
    format: 'cjs',
    tsconfig: join(root, 'apps', app, 'tsconfig.json'),
    metafile: true,
    plugins: [trimMediaTypes, trimTables],
    // A package's ES module build where it has one (the AWS SDK, OpenTelemetry, zod), as AWS's
    // esbuild guide for Node functions does: esbuild drops what the service never imports, which a
    // CommonJS build cannot tell it. 1.57 -> 1.18 MiB, idle RSS -4 MiB (npm run bench:services).
    mainFields: ['module', 'main'],
    conditions: ['module'],
  });
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  const { size } = await stat(join(outdir, 'main.cjs'));
  console.log(`${app}: dist/apps/${app}/main.cjs ${(size / 1024 / 1024).toFixed(2)} MiB`);
}

function usage() {
  console.error('usage: node tools/build/bundle.mjs <app> | --tool <entry.ts> <out.mjs>');
  process.exit(2);
}
