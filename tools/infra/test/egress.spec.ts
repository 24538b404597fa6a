// Tests: every image and API a task uses is reachable (in both egress modes).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addMeshStacks, APPS, stackName } from '../src/meshApp';

// From the synthesized templates alone: every image a task pulls and every AWS API its containers
// call (read off the task and execution roles, and the collector's exporters), each checked
// against what the network of each egress mode reaches. A call with no way out fails here, not on
// the first deploy into a VPC without NAT.
const account = '123456789012';
const region = 'eu-west-1';

type Json = Record<string, unknown>;
const templatesFor = (egress: 'nat' | 'endpoints') => {
  const app = addMeshStacks(new App(), { prefix: 'prod', imageTag: 'abc123', egress, env: { account, region } });
  return Object.fromEntries(app.node.children.map((stack) => [stack.node.id, Template.fromStack(stack as never).toJSON() as { Resources: Record<string, { Type: string; Properties: Json }> }]));
};

/** Renders the intrinsics these templates use in image names: Fn::Join and the pseudo parameters. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Json;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  const pseudo: Record<string, string> = { 'AWS::URLSuffix': 'amazonaws.com', 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::Partition': 'aws' };
  if ('Ref' in node && String(node['Ref']) in pseudo) return pseudo[String(node['Ref'])]!;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The endpoint service a call needs, by the IAM action's service prefix; pulling an image needs three. */
const ENDPOINTS_FOR_ACTION: Record<string, string[]> = {
  sns: ['sns'],
  sqs: ['sqs'],
  dynamodb: ['dynamodb'],
  xray: ['xray'],
  logs: ['logs'],
  secretsmanager: ['secretsmanager'],
  ecr: ['ecr.api', 'ecr.dkr', 's3'],
};
const ENDPOINTS_FOR_EXPORTER: Record<string, string> = { awsxray: 'xray', awsemf: 'logs' };

/** What the tasks of one app stack need to reach: image registries and API endpoints, each with why. */
function needs(template: { Resources: Record<string, { Type: string; Properties: Json }> }): { images: string[]; endpoints: Map<string, string> } {
  const resources = Object.values(template.Resources);
  const [definition] = resources.filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
  const containers = definition!.Properties['ContainerDefinitions'] as { Name: string; Image: unknown; Environment?: { Name: string; Value: string }[] }[];
  const endpoints = new Map<string, string>();
  const need = (endpoint: string, why: string) => endpoints.set(endpoint, endpoints.get(endpoint) ?? why);
  const images = containers.map((c) => render(c.Image));
  for (const image of images) for (const endpoint of ENDPOINTS_FOR_ACTION['ecr']!) need(endpoint, `pulling ${image}`);
  for (const policy of resources.filter((r) => r.Type === 'AWS::IAM::Policy')) {
    for (const statement of (policy.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement) {
      for (const action of [statement.Action].flat()) {
        const service = action.split(':')[0]!;
        const found = ENDPOINTS_FOR_ACTION[service];
        if (!found) throw new Error(`${action}: no endpoint known for "${service}" (add it to TASK_API_CALLS and here)`);
        for (const endpoint of found) need(endpoint, action);
      }
    }
  }
  for (const container of containers) {
    const config = container.Environment?.find((e) => e.Name === 'AOT_CONFIG_CONTENT')?.Value;
    if (!config) continue;
    for (const exporter of Object.keys((parse(config) as { exporters: Json }).exporters)) {
      const endpoint = ENDPOINTS_FOR_EXPORTER[exporter];
      if (!endpoint) throw new Error(`collector exporter ${exporter}: no endpoint known`);
      need(endpoint, `the collector's ${exporter} exporter`);
    }
  }
  return { images, endpoints };
}

/** What the platform's network reaches from the private subnets. */
function reachable(platform: { Resources: Record<string, { Type: string; Properties: Json }> }): { anywhere: boolean; endpoints: Set<string> } {
  const resources = Object.values(platform.Resources);
  const anywhere = resources.some((r) => r.Type === 'AWS::EC2::Route' && r.Properties['DestinationCidrBlock'] === '0.0.0.0/0' && 'NatGatewayId' in r.Properties);
  const endpoints = new Set(
    resources
      .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')
      .filter((r) => r.Properties['VpcEndpointType'] === 'Gateway' || r.Properties['PrivateDnsEnabled'] === true)
      .map((r) => render(r.Properties['ServiceName']).replace(`com.amazonaws.${region}.`, '')),
  );
  return { anywhere, endpoints };
}

describe.each(['nat', 'endpoints'] as const)('every image and API a task uses is reachable (egress %s)', (egress) => {
  const templates = templatesFor(egress);
  const network = reachable(templates[stackName('prod', 'platform')]!);

  it('the network is what the mode says: a NAT route, or none', () => {
    expect(network.anywhere).toBe(egress === 'nat');
  });

  it.each(Object.keys(APPS))('%s: every image from the account\'s private ECR, every call through NAT or an endpoint', (app) => {
    const { images, endpoints } = needs(templates[stackName('prod', app)]!);
    expect(images.length).toBe(2);
    for (const image of images) expect(image).toMatch(new RegExp(`^${account}\\.dkr\\.ecr\\.${region}\\.amazonaws\\.com/`));
    const unreachable = [...endpoints].filter(([endpoint]) => !network.anywhere && !network.endpoints.has(endpoint)).map(([endpoint, why]) => `${endpoint} (for ${why})`);
    expect(unreachable).toEqual([]);
    // What the stacks call is what the platform provides, no more: each endpoint costs money per AZ-hour.
    if (egress === 'endpoints') expect([...network.endpoints].filter((e) => !Object.keys(APPS).some((a) => needs(templates[stackName('prod', a)]!).endpoints.has(e)))).toEqual([]);
  });
});
