// The CDK app: every stack, from the declarations and cdk.json.
import { fileURLToPath } from 'node:url';
import type { App, Environment } from 'aws-cdk-lib';
import { resolveTopology } from '@game-mesh/events';
import { AppStack, type AppScaling } from './AppStack';
import { CiStack } from './CiStack';
import { MessagingStack, type AlarmSubscribers } from './MessagingStack';
import { PlatformStack } from './PlatformStack';
import { stackName } from './stackName';
import { loadGameTopology, loadServiceDeclarations, type Egress } from '@game-mesh/services';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Per app, from its apps/<name>/service.json: its port and, when it may run more than one task, how it scales. */
export const APPS: Readonly<Record<string, { port: number; scaling?: AppScaling }>> = Object.fromEntries(
  loadServiceDeclarations(root).map((d) => [d.name, { port: d.port, ...(d.scaling ? { scaling: d.scaling } : {}) }]),
);

export interface MeshAppOptions {
  prefix: string;
  imageTag: string;
  env?: Environment;
  /** `owner/name` on GitHub: adds the CI stack (OIDC deploy role) for that repository's main branch. */
  githubRepository?: string;
  /** Who the alarms notify. */
  alarmSubscribers?: AlarmSubscribers;
  /** NAT gateway or VPC endpoints (`-c egress=…`; `npm run cost -- --rate N` says which is cheaper). */
  egress?: Egress;
}

export { stackName };

/** Every stack of one environment: messaging, platform, and one stack per app (deployed on its own). */
export function addMeshStacks(app: App, options: MeshAppOptions): App {
  const topology = resolveTopology(loadGameTopology(root), { prefix: options.prefix });
  const env = options.env;
  new MessagingStack(app, stackName(options.prefix, 'messaging'), { topology, ...(options.alarmSubscribers ? { alarmSubscribers: options.alarmSubscribers } : {}), ...(env ? { env } : {}) });
  if (options.githubRepository) {
    new CiStack(app, stackName(options.prefix, 'ci'), { prefix: options.prefix, githubRepository: options.githubRepository, apps: Object.keys(APPS), ...(env ? { env } : {}) });
  }
  const platform = new PlatformStack(app, stackName(options.prefix, 'platform'), { prefix: options.prefix, apps: Object.keys(APPS), ...(options.egress ? { egress: options.egress } : {}), ...(env ? { env } : {}) });
  for (const [name, settings] of Object.entries(APPS)) {
    new AppStack(app, stackName(options.prefix, name), {
      app: name,
      port: settings.port,
      topology,
      vpc: platform.vpc,
      cluster: platform.cluster,
      repositoryName: `game-mesh/${name}`,
      imageTag: options.imageTag,
      ...(settings.scaling ? { scaling: settings.scaling } : {}),
      ...(env ? { env } : {}),
    });
  }
  return app;
}
