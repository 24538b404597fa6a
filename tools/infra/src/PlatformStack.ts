import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { GatewayVpcEndpointAwsService, InterfaceVpcEndpointAwsService, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { clusterName, INTERFACE_ENDPOINT_SERVICES, type Egress } from '@game-mesh/services';

export interface PlatformStackProps extends StackProps {
  prefix: string;
  apps: readonly string[];
  /** How tasks reach AWS from private subnets. @defaultValue 'nat' (cheaper below ~70 events/s: `npm run cost`) */
  egress?: Egress;
}

/** What the apps share and that changes rarely: the network, the cluster, one ECR repository per app. */
export class PlatformStack extends Stack {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly repositories: Record<string, Repository>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const egress = props.egress ?? 'nat';
    this.vpc =
      egress === 'nat'
        ? new Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 })
        : new Vpc(this, 'Vpc', {
            maxAzs: 2,
            natGateways: 0,
            subnetConfiguration: [
              { name: 'public', subnetType: SubnetType.PUBLIC },
              { name: 'private', subnetType: SubnetType.PRIVATE_ISOLATED },
            ],
          });
    // Free in both modes: image layers (S3) and the idempotency table (DynamoDB) stay off the NAT.
    this.vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    if (egress === 'endpoints') {
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        this.vpc.addInterfaceEndpoint(`Endpoint-${service}`, { service: new InterfaceVpcEndpointAwsService(service), privateDnsEnabled: true });
      }
    }
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
