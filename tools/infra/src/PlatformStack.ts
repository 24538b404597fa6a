// The platform stack: VPC, ECS cluster, ECR repositories and the pull-through cache.
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, GatewayVpcEndpointAwsService, InterfaceVpcEndpointAwsService, IpAddresses, Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPullThroughCacheRule, Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { clusterName, GATEWAY_ENDPOINT_SERVICES, INTERFACE_ENDPOINT_SERVICES, type Egress } from '@game-mesh/services';
import { ADOT_COLLECTOR } from './collector';

/** The VPC's address range, written out so the endpoints' security group can name it. */
export const VPC_CIDR = '10.0.0.0/16';

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
        ? new Vpc(this, 'Vpc', { ipAddresses: IpAddresses.cidr(VPC_CIDR), maxAzs: 2, natGateways: 1 })
        : new Vpc(this, 'Vpc', {
            ipAddresses: IpAddresses.cidr(VPC_CIDR),
            maxAzs: 2,
            natGateways: 0,
            subnetConfiguration: [
              { name: 'public', subnetType: SubnetType.PUBLIC },
              { name: 'private', subnetType: SubnetType.PRIVATE_ISOLATED },
            ],
          });
    // Rejected connections, kept three months: what a security review of the network asks for
    // first, at a fraction of logging all traffic.
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(new LogGroup(this, 'FlowLogs', { logGroupName: `/game-mesh/${props.prefix}/vpc-flow-logs`, retention: RetentionDays.THREE_MONTHS })),
      trafficType: FlowLogTrafficType.REJECT,
    });
    // Free in both modes: image layers (S3) and the idempotency table (DynamoDB) stay off the NAT.
    const gateways: Record<(typeof GATEWAY_ENDPOINT_SERVICES)[number], [string, GatewayVpcEndpointAwsService]> = { s3: ['S3', GatewayVpcEndpointAwsService.S3], dynamodb: ['DynamoDb', GatewayVpcEndpointAwsService.DYNAMODB] };
    for (const [id, service] of GATEWAY_ENDPOINT_SERVICES.map((name) => gateways[name])) this.vpc.addGatewayEndpoint(id, { service });
    if (egress === 'endpoints') {
      // HTTPS from inside the VPC, nothing else.
      const securityGroup = new SecurityGroup(this, 'EndpointsSecurityGroup', { vpc: this.vpc, description: 'VPC interface endpoints: HTTPS from the VPC', allowAllOutbound: false });
      securityGroup.addIngressRule(Peer.ipv4(VPC_CIDR), Port.tcp(443), 'HTTPS from the VPC');
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        this.vpc.addInterfaceEndpoint(`Endpoint-${service}`, { service: new InterfaceVpcEndpointAwsService(service), privateDnsEnabled: true, securityGroups: [securityGroup], open: false });
      }
    }
    // Every image from the account's ECR: the collector's through a cache of ECR Public, which ECR
    // fills itself, so tasks pull it through the same endpoints as the apps' images.
    new CfnPullThroughCacheRule(this, 'EcrPublicCache', { ecrRepositoryPrefix: ADOT_COLLECTOR.cachePrefix, upstreamRegistryUrl: ADOT_COLLECTOR.upstream, upstreamRegistry: 'ecr-public' });
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
