// `npm run ci:workflows [-- pull-request.yml deploy.yml]`: runs each workflow's jobs as they are
// written, step by step, in a fresh clone, on a machine shaped like a GitHub-hosted Ubuntu runner:
// CI=true and GITHUB_ACTIONS=true, the GITHUB_* variables the steps read, a passwordless sudo, and
// none of what a runner lacks (promtool, podman, docker-compose v1, DOCKER_HOST) unless a step
// installs or provides it. Fails if any step fails. `.ci/run` runs it as a step of its own.
//
// The events: a change that touches what every project depends on (so every test and every deploy
// the workflows can reach runs), reviewed as a pull request against main, then pushed to main. Steps that need an AWS account (from
// aws-actions/configure-aws-credentials on) cannot run here: the job stops there, and says so.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type JobResult } from './runJob';
import { NOT_ON_RUNNER, runnerPath } from './runnerSandbox';
import { loadWorkflow, substitute, type Workflow, type WorkflowStep } from './workflow';

const root = fileURLToPath(new URL('../..', import.meta.url));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const identity = ['-c', 'user.email=ci@example.com', '-c', 'user.name=runner-shaped check'];

/** Where the workflow's steps stop on this machine: what follows needs a cloud account. */
class NeedsCloud extends Error {}

export interface WorkflowOutcome {
  file: string;
  jobs: { job: string; result?: JobResult; skipped?: string; stoppedAt?: string }[];
}

/** A bare "GitHub" repository holding main as committed here, plus a pull-request branch. */
function makeOrigin(work: string): { origin: string; main: string; pr: string } {
  const origin = join(work, 'origin.git');
  git(work, 'clone', '--quiet', '--bare', '--no-local', root, origin);
  const main = git(origin, 'rev-parse', 'HEAD');
  const edit = join(work, 'pr-edit');
  git(work, 'clone', '--quiet', origin, edit);
  // A change every project depends on: the pull request reaches every test the workflow can run.
  appendFileSync(join(edit, 'libs/events/src/index.ts'), '// a pull request (runner-shaped check)\n');
  git(edit, ...identity, 'commit', '--quiet', '-am', 'a pull request');
  git(edit, 'push', '--quiet', 'origin', 'HEAD:refs/heads/pr-change');
  return { origin, main, pr: git(edit, 'rev-parse', 'HEAD') };
}

function conditionHolds(condition: string, context: Parameters<typeof substitute>[1]): boolean {
  const comparison = /^\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(condition);
  if (!comparison) throw new Error(`if: ${condition}: only "<path> == '<text>'" and "!=" are supported here`);
  const value = substitute(`\${{ ${comparison[1]} }}`, context);
  return comparison[2] === '==' ? value === comparison[3] : value !== comparison[3];
}

async function runWorkflow(file: string, work: string, repo: ReturnType<typeof makeOrigin>): Promise<WorkflowOutcome> {
  const workflow: Workflow = loadWorkflow(join(root, '.github/workflows', file));
  const pullRequest = 'pull_request' in workflow.on;
  // The same change either way: reviewed as a pull request, then pushed to main.
  const head = repo.pr;
  const github = pullRequest
    ? { event_name: 'pull_request', sha: head, ref: 'refs/pull/1/merge', base_ref: 'main', head_ref: 'pr-change', event: { pull_request: { number: 1 } }, repository: 'game-co/game-event-mesh' }
    : { event_name: 'push', sha: head, ref: 'refs/heads/main', event: { before: repo.main }, repository: 'game-co/game-event-mesh' };
  const outcome: WorkflowOutcome = { file, jobs: [] };
  const needs: Record<string, { outputs: Record<string, string> }> = {};
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const dir = mkdtempSync(join(work, `${name}-`));
    chmodSync(dir, 0o755);
    const workspace = join(dir, 'workspace');
    const hostEnv = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !NOT_ON_RUNNER.includes(key) && !key.startsWith('GITHUB_') && !key.startsWith('npm_'))) as Record<string, string>;
    const env: Record<string, string> = {
      ...hostEnv,
      PATH: runnerPath(join(dir, 'runner')),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      GITHUB_EVENT_NAME: String(github.event_name),
      GITHUB_SHA: head,
      GITHUB_REF: github.ref,
      GITHUB_REPOSITORY: github.repository,
      // This workplace has no Docker Engine: the preparation script sets up podman from here.
      ...(existsSync(join(root, '../shared/containers')) ? { CONTAINERS_SETUP: join(root, '../shared/containers') } : {}),
      ...(pullRequest ? { GITHUB_BASE_REF: 'main', GITHUB_HEAD_REF: 'pr-change' } : {}),
    };
    const context = { github, env: {}, steps: {}, secrets: {}, needs, matrix: {} };
    if (job.if !== undefined && !conditionHolds(job.if, context)) {
      outcome.jobs.push({ job: name, skipped: `if: ${job.if}` });
      continue;
    }
    let stoppedAt: string | undefined;
    const actions = {
      'actions/checkout': (step: WorkflowStep) => {
        const depth = Number(step.with?.['fetch-depth'] ?? 1);
        git(dir, 'clone', '--quiet', ...(depth > 0 ? ['--depth', String(depth), '--no-single-branch'] : []), `file://${repo.origin}`, workspace);
        git(workspace, 'checkout', '--quiet', head);
      },
      'actions/setup-node': (step: WorkflowStep, stepEnv: Record<string, string>) => {
        const file = step.with?.['node-version-file'];
        const wanted = file === undefined ? String(step.with?.['node-version'] ?? '') : readFileSync(join(workspace, String(file)), 'utf8').trim();
        const have = execFileSync('node', ['-p', 'process.versions.node'], { env: stepEnv, encoding: 'utf8' }).trim();
        if (wanted.split('.')[0] !== have.split('.')[0]) throw new Error(`the workflow asks for Node ${wanted}; this check runs under Node ${have} (.ci/run puts Node 24 on PATH)`);
      },
      'aws-actions/configure-aws-credentials': (step: WorkflowStep) => {
        stoppedAt = step.name ?? step.uses;
        throw new NeedsCloud('the rest of the job needs an AWS account');
      },
    };
    const matrix = job.strategy?.matrix;
    if (matrix) {
      // One matrix entry stands for all: the first value of each key, expressions substituted.
      context.matrix = Object.fromEntries(
        Object.entries(matrix).map(([key, value]) => {
          const values = typeof value === 'string' ? (JSON.parse(substitute(value.replace(/^\$\{\{\s*fromJSON\((.*)\)\s*\}\}$/, '${{ $1 }}'), context)) as unknown[]) : (value as unknown[]);
          return [key, String(values[0])];
        }),
      );
    }
    const result = await runJob({
      workflow: substituteMatrix(workflow, name, context.matrix),
      job: name,
      workspace,
      temp: join(dir, 'temp'),
      env,
      github,
      needs,
      actions,
    });
    if (!result.ok && stoppedAt !== undefined && result.failedStep === stoppedAt) {
      outcome.jobs.push({ job: name, result: { ...result, ok: true }, stoppedAt });
    } else {
      outcome.jobs.push({ job: name, result });
    }
    needs[name] = { outputs: result.outputs };
  }
  return outcome;
}

/** `${{ matrix.x }}` in job env and steps, with the chosen entry. */
function substituteMatrix(workflow: Workflow, job: string, matrix: Record<string, string>): Workflow {
  if (Object.keys(matrix).length === 0) return workflow;
  const text = JSON.stringify(workflow.jobs[job]).replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_all, key: string) => matrix[key] ?? '');
  return { ...workflow, jobs: { ...workflow.jobs, [job]: JSON.parse(text) } };
}

async function main(): Promise<void> {
  const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : readdirSync(join(root, '.github/workflows')).filter((f) => f.endsWith('.yml')).sort();
  const work = mkdtempSync(join(tmpdir(), 'runner-shaped-'));
  chmodSync(work, 0o755); // apt's methods run as _apt: the runner's PATH lies under it
  const repo = makeOrigin(work);
  let failed = false;
  const summary: string[] = [];
  try {
    for (const file of files) {
      const outcome = await runWorkflow(file, work, repo);
      for (const job of outcome.jobs) {
        if (job.skipped) summary.push(`${file} / ${job.job}: skipped (${job.skipped})`);
        else {
          failed ||= !job.result!.ok;
          const steps = job.result!.steps.map((s) => `${s.name === job.stoppedAt ? '·' : s.ok ? '✓' : '✗'} ${s.name} (${(s.ms / 1000).toFixed(0)} s)`).join('\n    ');
          summary.push(`${file} / ${job.job}: ${job.result!.ok ? 'passed' : `FAILED at "${job.result!.failedStep}"`}${job.stoppedAt ? ` — stopped before "${job.stoppedAt}": the rest needs an AWS account` : ''}\n    ${steps}`);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\nrunner-shaped workflow check\n${summary.join('\n')}`);
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
