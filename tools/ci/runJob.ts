// Runs one workflow job's steps as a runner would: a shell per step, the GITHUB_* files, timeouts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { substitute, type ExpressionContext, type Workflow, type WorkflowStep } from './workflow';

export interface JobRun {
  workflow: Workflow;
  job: string;
  /** The checkout the job works in (GITHUB_WORKSPACE). */
  workspace: string;
  /** Scratch space: RUNNER_TEMP and the GITHUB_ENV / GITHUB_OUTPUT files. */
  temp: string;
  /** The runner's own environment (PATH shaped by runnerPath, GITHUB_* variables). */
  env: Record<string, string>;
  github: Record<string, unknown>;
  secrets?: Record<string, string>;
  needs?: Record<string, { outputs: Record<string, string> }>;
  /** The `uses:` steps, by action name without the version: what each does on this machine. */
  actions: Record<string, (step: WorkflowStep, env: Record<string, string>) => Promise<void> | void>;
  log?: (line: string) => void;
}

export interface JobResult {
  ok: boolean;
  failedStep?: string;
  outputs: Record<string, string>;
  steps: { name: string; ok: boolean; ms: number }[];
}

/** Reads a GITHUB_ENV / GITHUB_OUTPUT file: `name=value` lines and `name<<DELIM` heredocs. */
export function readCommandFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const values: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]!);
      values[heredoc[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

const stringify = (values: Record<string, string | number | boolean> | undefined, context: ExpressionContext) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, substitute(String(value), context)]));

/**
 * Runs one job's steps in order as a hosted runner does: `run:` through `bash -e`, expressions
 * substituted, GITHUB_ENV / GITHUB_OUTPUT / GITHUB_PATH honoured between steps, the job's timeout
 * kept. Stops at the first failing step. `uses:` steps run what `actions` says they do here.
 */
export async function runJob(run: JobRun): Promise<JobResult> {
  const job = run.workflow.jobs[run.job];
  if (!job) throw new Error(`no job "${run.job}" in workflow "${run.workflow.name}"`);
  const log = run.log ?? ((line: string) => console.log(line));
  const context: ExpressionContext = { github: run.github, env: {}, steps: {}, secrets: run.secrets ?? {}, needs: run.needs ?? {}, matrix: {} };
  const deadline = Date.now() + (job['timeout-minutes'] ?? 360) * 60_000;
  mkdirSync(run.temp, { recursive: true });
  const envFile = join(run.temp, 'github_env');
  const pathFile = join(run.temp, 'github_path');
  writeFileSync(envFile, '');
  writeFileSync(pathFile, '');
  const result: JobResult = { ok: true, outputs: {}, steps: [] };

  for (const [index, step] of job.steps.entries()) {
    const name = step.name ?? step.run?.split('\n')[0] ?? step.uses ?? `step ${index + 1}`;
    if (step.if !== undefined) throw new Error(`step "${name}": an if: condition is not supported by the runner-shaped check`);
    const outputFile = join(run.temp, `github_output_${index}`);
    writeFileSync(outputFile, '');
    const extraPath = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
    context.env = { ...stringify(run.workflow.env, context), ...stringify(job.env, context) };
    const env: Record<string, string> = {
      ...run.env,
      ...context.env,
      ...readCommandFile(envFile),
      ...stringify(step.env, context),
      GITHUB_ENV: envFile,
      GITHUB_OUTPUT: outputFile,
      GITHUB_PATH: pathFile,
      RUNNER_TEMP: run.temp,
      GITHUB_WORKSPACE: run.workspace,
      PATH: [...extraPath, run.env['PATH'] ?? ''].join(delimiter),
    };
    log(`\n::group:: ${run.workflow.name} / ${run.job} / ${name}`);
    const started = Date.now();
    let ok = true;
    try {
      if (step.uses) {
        const action = run.actions[step.uses.replace(/@.*$/, '')];
        if (!action) throw new Error(`no stand-in for ${step.uses} on this machine`);
        await action({ ...step, with: stringify(step.with, context) }, env);
      } else if (step.run !== undefined) {
        const script = join(run.temp, `step_${index}.sh`);
        writeFileSync(script, substitute(step.run, context));
        const cwd = step['working-directory'] ? join(run.workspace, step['working-directory']) : run.workspace;
        await runScript(['bash', '-e', script], cwd, env, deadline);
      }
    } catch (error) {
      ok = false;
      log(`step failed: ${(error as Error).message}`);
    }
    result.steps.push({ name, ok, ms: Date.now() - started });
    log(`::endgroup:: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (step.id) context.steps[step.id] = { outputs: readCommandFile(outputFile) };
    if (!ok) return { ...result, ok: false, failedStep: name };
  }
  result.outputs = stringify(job.outputs, context);
  return result;
}

function runScript(command: string[], cwd: string, env: Record<string, string>, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error('the job ran past its timeout-minutes'));
    }, Math.max(0, deadline - Date.now()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`exit ${code ?? signal}`));
    });
  });
}
