import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadServiceDeclarations } from '@game-mesh/services';
import { stackName } from './stackName';

/** What one push to main deploys, in order: the shared stacks first, then each app. */
export interface DeployPlan {
  /** The environment's prefix, from cdk.json: the pipeline and `npx cdk deploy` read the same file. */
  prefix: string;
  /** CloudFormation stack names of the shared stacks to deploy before any app, in order. */
  stacks: string[];
  /** Apps to build, push and deploy: declared services (apps/<name>/service.json with a Dockerfile) the push affects. */
  apps: string[];
}

export interface CdkSettings {
  prefix: string;
  egress: string;
}

/** The context cdk.json gives every `cdk` command run from the workspace. */
export function cdkSettings(root: string): CdkSettings {
  const context = (JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  return { prefix: String(context['prefix'] ?? 'prod'), egress: String(context['egress'] ?? 'nat') };
}

const run = (root: string, command: string, args: string[]) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });

/**
 * The plan for the commits base..head:
 * - messaging, when the infra app is affected (the catalog, a declaration, the topology code, the CDK code);
 * - platform (network, cluster, one ECR repository per app), when tools/infra changed, when a
 *   service was added or removed (its repository must exist before its image is pushed), or cdk.json changed;
 * - every declared app nx marks affected; all of them when cdk.json changed.
 * A change to tools/ops alone deploys nothing.
 */
export function deployPlan(root: string, base: string, head: string): DeployPlan {
  const { prefix } = cdkSettings(root);
  const changes = run(root, 'git', ['diff', '--name-status', '--no-renames', base, head])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [status, file] = line.split('\t');
      return { status: status!, file: file! };
    });
  const affected = new Set(JSON.parse(run(root, join(root, 'node_modules/.bin/nx'), ['show', 'projects', '--affected', `--base=${base}`, `--head=${head}`, '--json'])) as string[]);
  const settingsChanged = changes.some((c) => c.file === 'cdk.json');
  const serviceAddedOrRemoved = changes.some((c) => /^apps\/[^/]+\/service\.json$/.test(c.file) && (c.status === 'A' || c.status === 'D'));
  const withImage = loadServiceDeclarations(root)
    .map((d) => d.name)
    .filter((name) => existsSync(join(root, 'apps', name, 'Dockerfile')));
  const stacks = [
    ...(affected.has('infra') || settingsChanged ? ['messaging'] : []),
    ...(changes.some((c) => c.file.startsWith('tools/infra/')) || serviceAddedOrRemoved || settingsChanged ? ['platform'] : []),
  ];
  return { prefix, stacks: stacks.map((part) => stackName(prefix, part)), apps: withImage.filter((name) => settingsChanged || affected.has(name)) };
}
