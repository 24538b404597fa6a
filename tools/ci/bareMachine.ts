// `npm run ci:bare`: the README's commands (`npm ci`, then `npm test`) in a fresh clone, on a
// machine that has only Node: no promtool, no Chromium or Chrome, no container engine or Compose,
// no CI variable. Passes when the suite passes and each test that needs one of those tools says, in
// one line, that it skipped and how to get the tool. `.ci/run` runs it as a step of its own.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABSENT_ON_RUNNER, NOT_ON_RUNNER, runnerPath } from './runnerSandbox';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What a laptop with only Node lacks, by the package that would bring it. */
const ABSENT_ON_A_BARE_MACHINE = {
  ...ABSENT_ON_RUNNER,
  chromium: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
  docker: ['docker'],
};

/** The one-line notes the suite must print instead of running those tests. */
const EXPECTED_SKIPS = ['needs promtool', 'needs Chromium or Chrome', 'needs a running container engine with Compose'];

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        process.stdout.write(chunk);
      });
    }
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'bare-machine-'));
chmodSync(work, 0o755);
let failed: string | undefined;
try {
  const clone = join(work, 'clone');
  execFileSync('git', ['clone', '--quiet', '--no-local', root, clone]);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) => value !== undefined && !NOT_ON_RUNNER.includes(key) && !key.startsWith('GITHUB_') && !key.startsWith('npm_') && key !== 'CHROME_PATH'),
  ) as Record<string, string>;
  env['PATH'] = runnerPath(join(work, 'machine'), { absent: ABSENT_ON_A_BARE_MACHINE });
  env['NX_DAEMON'] = 'false';
  const install = await run('npm', ['ci', '--no-audit', '--no-fund'], clone, env);
  if (install.code !== 0) failed = `npm ci exited ${install.code}`;
  else {
    const test = await run('npm', ['test'], clone, env);
    if (test.code !== 0) failed = `npm test exited ${test.code}`;
    else {
      const missing = EXPECTED_SKIPS.filter((note) => !test.output.includes(note));
      if (missing.length > 0) failed = `npm test passed but did not say it skipped: ${missing.join('; ')}`;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\nbare-machine check (only Node): ${failed ?? 'npm ci and npm test pass; the tests that need promtool, a browser or a container engine skipped, each saying how to get it'}`);
process.exitCode = failed ? 1 : 0;
