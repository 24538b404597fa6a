import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { clusterName } from '@game-mesh/services';

export interface PlatformStackProps extends StackProps {
  prefix: string;
  apps: readonly string[];
}

/** What the apps share and that changes rarely: the network, the cluster, one ECR repository per app. */
export class PlatformStack extends Stack {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly repositories: Record<string, Repository>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.vpc = new Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    // Container Insights publishes RunningTaskCount, which backlog-per-task scaling divides by.
    this.cluster = new Cluster(this, 'Cluster', { clusterName: clusterName(props.prefix), vpc: this.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    this.repositories = Object.fromEntries(
      props.apps.map((app) => [
        app,
        new Repository(this, `Repo-${app}`, { repositoryName: `game-mesh/${app}`, imageTagMutability: TagMutability.IMMUTABLE, imageScanOnPush: true, removalPolicy: RemovalPolicy.RETAIN }),
      ]),
    );
  }
}
