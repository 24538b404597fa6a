// What a push deploys: the shared stacks whose inputs changed, and the affected apps, consumers
// first.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gameEvents, type ServiceDeclaration } from '@game-mesh/events';
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
  const declarations = loadServiceDeclarations(root);
  if (/^0+$/.test(base)) {
    // A branch's first push (no "before"): everything, in order.
    return { prefix, stacks: ['messaging', 'platform'].map((part) => stackName(prefix, part)), apps: consumersFirst(declarations).filter((name) => existsSync(join(root, 'apps', name, 'Dockerfile'))) };
  }
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
  const withImage = consumersFirst(declarations).filter((name) => existsSync(join(root, 'apps', name, 'Dockerfile')));
  const stacks = [
    ...(affected.has('infra') || settingsChanged ? ['messaging'] : []),
    ...(changes.some((c) => c.file.startsWith('tools/infra/')) || serviceAddedOrRemoved || settingsChanged ? ['platform'] : []),
  ];
  return { prefix, stacks: stacks.map((part) => stackName(prefix, part)), apps: withImage.filter((name) => settingsChanged || affected.has(name)) };
}

/**
 * The apps in deploy order: a consumer before the producers of what it reads, so a change that moves
 * readers with it (consumersDeployFirst) finds them deployed when can-i-deploy asks for the
 * producer. Otherwise (and within a cycle) in declaration (port) order.
 */
export function consumersFirst(declarations: readonly ServiceDeclaration[]): string[] {
  const producerOf = (type: string) => (gameEvents as Record<string, { producer: string } | undefined>)[type]?.producer;
  const reads = new Map(declarations.map((d) => [d.name, new Set(Object.values(d.consumes).flatMap((q) => q.subscriptions.map((s) => producerOf(s.type))).filter((p): p is string => p !== undefined && p !== d.name))]));
  const order: string[] = [];
  const remaining = declarations.map((d) => d.name);
  while (remaining.length > 0) {
    // Next: the first app no remaining app still needs to precede (no remaining consumer of it).
    const next = remaining.find((name) => !remaining.some((other) => other !== name && reads.get(other)?.has(name))) ?? remaining[0]!;
    order.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return order;
}
