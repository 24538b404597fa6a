// `npm run contracts`: regenerates contracts/ (JSON Schemas, examples, catalog index, readers,
// AsyncAPI, catalog page), refusing a change that breaks a shipped (type, version).
// `npm run contracts -- --check`: the CI gate: the same refusal, against every schema in git
// history, and a failure naming any stale file.
// `npm run contracts -- can-i-deploy <app> --env <env>` and `... record <app> --env <env>`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Command, CommanderError } from 'commander';
import { canIDeploy } from './canIDeploy';
import { generateContractFiles, staleFiles } from './contractFiles';
import { FileDeploymentRecords, SsmDeploymentRecords, type DeploymentRecords } from './deployments';
import { contractState, describeProblem, gateProblems, type Deployed } from './gate';
import { changedServices, contractFilesAt, defaultBase, readSchemaHistory, resolveRevision } from './history';
import { contractPaths, HAND_KEPT } from './schemas';

const root = fileURLToPath(new URL('../..', import.meta.url));
const contractsDir = join(root, 'contracts');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * The gate over what the catalog generates now (plus the hand-written retirements), judged against
 * the consumers as the base of the change holds them: on a pull request its merge base, on a push
 * the commit before it; by default the merge base with origin/main, else HEAD.
 */
function gate(baseOption: string | undefined): { files: Map<string, string>; problems: string[]; base: string } {
  const files = generateContractFiles(version);
  const retired = join(contractsDir, contractPaths.retired);
  const state = contractState(new Map([...files, ...(existsSync(retired) ? [[contractPaths.retired, readFileSync(retired, 'utf8')] as const] : [])]));
  // A branch's first push (all zeros) or a run by hand (empty) has no "before": judged as it is.
  const base = resolveRevision(root, baseOption === undefined ? defaultBase(root) : /^0*$/.test(baseOption) ? 'HEAD' : baseOption);
  const deployed: Deployed = { revision: base, readers: contractState(contractFilesAt(root, base)).readers, changedServices: changedServices(root, base) };
  return { files, base, problems: [...new Set(gateProblems(readSchemaHistory(root), state, deployed).map(describeProblem))] };
}

const records = (where: string): DeploymentRecords => (where === 'ssm' ? new SsmDeploymentRecords(new SSMClient({})) : new FileDeploymentRecords(join(root, where)));

const program = new Command('contracts')
  .description('Generate and gate the published event contract.')
  .option('--check', 'fail on a breaking change (against git history) or a stale contracts/ file; write nothing')
  .option('--base <rev>', 'the revision whose consumers (readers) the change is judged against: the merge base of a pull request, the commit before a push')
  .exitOverride()
  .action((options: { check?: boolean; base?: string }) => {
    const { files, problems, base } = gate(options.base);
    if (problems.length > 0) {
      console.error(`Refused: a breaking change to a shipped event version (against every schema in git history, and the consumers as of ${base.slice(0, 8)}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exitCode = 1;
      return;
    }
    const stale = staleFiles(contractsDir, files);
    if (options.check) {
      if (stale.length > 0) {
        console.error(`contracts/ is stale; run \`npm run contracts\` and commit:\n${stale.map((s) => `  - ${s}`).join('\n')}`);
        process.exitCode = 1;
        return;
      }
      console.log(`contracts/ is up to date (${files.size} files) and breaks no shipped version`);
      return;
    }
    const kept = HAND_KEPT.filter((path) => existsSync(join(contractsDir, path))).map((path) => [path, readFileSync(join(contractsDir, path), 'utf8')] as const);
    rmSync(contractsDir, { recursive: true, force: true });
    for (const [path, content] of [...files, ...kept]) {
      mkdirSync(dirname(join(contractsDir, path)), { recursive: true });
      writeFileSync(join(contractsDir, path), content);
    }
    console.log(`wrote ${files.size} files to contracts/${stale.length > 0 ? ` (${stale.length} changed)` : ' (no change)'}`);
  });

/** A deployment command: an app, an environment, a revision, where the records live. */
const deploymentCommand = (name: string, description: string) =>
  program
    .command(name)
    .description(description)
    .argument('<app>')
    .requiredOption('--env <env>', 'environment, e.g. staging, prod')
    .option('--revision <rev>', 'the revision (a commit, a tag, HEAD)', 'HEAD')
    .option('--records <where>', '"ssm" (AWS SSM Parameter Store) or a folder of <env>.json files', '.deployments');

deploymentCommand('can-i-deploy', 'may <app> at --revision go to --env, given the revisions recorded there?')
  .action(async (app: string, options: { env: string; revision: string; records: string }) => {
    const deployed = await records(options.records).deployed(options.env);
    const verdict = canIDeploy(root, app, resolveRevision(root, options.revision), deployed);
    for (const line of verdict.checked) console.log(`  checked: ${line}`);
    if (verdict.ok) console.log(`yes: ${app} at ${options.revision} can go to ${options.env}`);
    else {
      console.error(`no: ${app} at ${options.revision} cannot go to ${options.env}:\n${verdict.reasons.map((r) => `  - ${r}`).join('\n')}`);
      process.exitCode = 1;
    }
  });

deploymentCommand('record', 'record that <app> at --revision now runs in --env (the deploy target calls this after a deploy)')
  .action(async (app: string, options: { env: string; revision: string; records: string }) => {
    const commit = resolveRevision(root, options.revision);
    await records(options.records).record(options.env, app, commit);
    console.log(`recorded: ${app} at ${commit.slice(0, 8)} runs in ${options.env}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else {
    console.error(`contracts: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
