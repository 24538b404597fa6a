// Tests: the runner-shaped workflow check.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../ci/runJob';
import { runnerPath } from '../ci/runnerSandbox';
import { substitute, UnsupportedExpressionError, type Workflow, type WorkflowStep } from '../ci/workflow';

// The machinery of `npm run ci:workflows` (tools/ci/runnerShaped.ts), on tiny workflows: what a
// hosted runner lacks stays absent until a step installs it, and a failing step fails the job.
const work = mkdtempSync(join(tmpdir(), 'runner-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let jobs = 0;
function job(steps: WorkflowStep[], options: { timeoutMinutes?: number } = {}) {
  const dir = join(work, `job${++jobs}`);
  // A host with a tool a runner does not have ("faketool", from the package "fakepkg").
  const host = join(dir, 'host');
  mkdirSync(host, { recursive: true });
  writeFileSync(join(host, 'faketool'), '#!/bin/sh\necho faketool ran\n');
  chmodSync(join(host, 'faketool'), 0o755);
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const workflow: Workflow = {
    name: 'spec',
    on: { push: {} },
    jobs: { only: { 'runs-on': 'ubuntu-latest', ...(options.timeoutMinutes ? { 'timeout-minutes': options.timeoutMinutes } : {}), env: { FROM_JOB: 'job-level' }, outputs: { answer: '${{ steps.ask.outputs.answer }}' }, steps } },
  };
  const path = runnerPath(join(dir, 'runner'), { hostPath: `${host}:/usr/bin:/bin`, absent: { fakepkg: ['faketool'] }, aptGet: '/bin/true' });
  const lines: string[] = [];
  return runJob({ workflow, job: 'only', workspace, temp: join(dir, 'temp'), env: { PATH: path, CI: 'true' }, github: { sha: 'abc' }, actions: {}, log: (line) => lines.push(line) }).then((result) => ({ ...result, lines, workspace }));
}

describe('the runner-shaped workflow check', () => {
  it('hides what a hosted runner lacks: a step using it fails the job, and later steps do not run', async () => {
    const result = await job([{ name: 'use it', run: 'faketool' }, { name: 'after', run: 'true' }]);
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe('use it');
    expect(result.steps.map((s) => s.name)).toEqual(['use it']);
  });

  it('shows it once a step installs its package with sudo apt-get, as the runner would', async () => {
    const result = await job([{ name: 'install', run: 'sudo apt-get install -y fakepkg' }, { name: 'use it', run: 'faketool' }]);
    expect(result.failedStep).toBeUndefined();
    expect(result.ok).toBe(true);
  });

  it('carries GITHUB_ENV, GITHUB_OUTPUT and GITHUB_PATH between steps, with the job env and step outputs in expressions', async () => {
    const result = await job([
      { id: 'ask', run: 'echo "answer=42" >> "$GITHUB_OUTPUT"; echo "SHARED=from-env-file" >> "$GITHUB_ENV"; mkdir -p extra && printf \'#!/bin/sh\\necho extra\\n\' > extra/tool && chmod +x extra/tool && echo "$PWD/extra" >> "$GITHUB_PATH"' },
      { name: 'read', run: 'test "${{ steps.ask.outputs.answer }}" = 42 && test "$SHARED" = from-env-file && test "$FROM_JOB" = job-level && test "${{ github.sha }}" = abc && tool' },
    ]);
    expect(result.failedStep).toBeUndefined();
    expect(result.outputs).toEqual({ answer: '42' });
  });

  it('refuses an expression it cannot evaluate instead of guessing', () => {
    const context = { github: {}, env: {}, steps: {}, secrets: {}, needs: {}, matrix: {} };
    expect(() => substitute("${{ contains(github.ref, 'main') }}", context)).toThrow(UnsupportedExpressionError);
    expect(() => substitute('${{ runner.os }}', context)).toThrow(/no context "runner"/);
    expect(substitute('${{ secrets.NOT_SET }}', context)).toBe('');
  });

  it('keeps the job\'s timeout-minutes: the step fails and its processes are ended', async () => {
    const result = await job([{ name: 'hang', run: 'echo $$ > step.pid; sleep 30' }], { timeoutMinutes: 0.02 });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toContain('timeout-minutes');
    const pid = Number(readFileSync(join(result.workspace, 'step.pid'), 'utf8'));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 2_000 }).toBe(false);
  });
});
