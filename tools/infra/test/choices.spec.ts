// Tests: the CI stack's deploy role, the alarm topic's subscribers, and the two ways out of the
// private subnets, each synthesized with the cdk.json choice it depends on.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { INTERFACE_ENDPOINT_SERVICES } from '@game-mesh/services';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_PUSH_ACTIONS } from '../src/CiStack';
import { APPS, addMeshStacks, stackName } from '../src/meshApp';

const prefix = 'prod';
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('the CI stack (GitHub OIDC deploy role)', () => {
  let ci: Template;
  beforeAll(() => {
    const app = addMeshStacks(new App(), { prefix, imageTag: 'abc123', githubRepository: 'game-co/game-event-mesh', env: { account: '123456789012', region: 'eu-west-1' } });
    ci = Template.fromStack(app.node.findChild(stackName(prefix, 'ci')) as never);
  }, 60_000);

  it('trusts only the main branch of one repository, through OIDC, for sts.amazonaws.com', () => {
    ci.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:game-co/game-event-mesh:ref:refs/heads/main' } },
          }),
        ],
      },
    });
  });

  it('grants exactly what the deploy workflow does: push the app images, assume the CDK roles, read and record deployments', () => {
    const statements = Object.values(ci.findResources('AWS::IAM::Policy')).flatMap((p) => p['Properties']['PolicyDocument']['Statement'] as Statement[]);
    const bySid = Object.fromEntries(statements.map((s) => [(s as unknown as { Sid: string }).Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['CdkDeploy', 'EcrLogin', 'PushAppImages', 'ReadDeployments', 'RecordDeployment']);
    expect(asList(bySid['PushAppImages']!.Action).sort()).toEqual(IMAGE_PUSH_ACTIONS.slice().sort());
    expect(asList(bySid['PushAppImages']!.Resource)).toHaveLength(Object.keys(APPS).length);
    expect(JSON.stringify(bySid['CdkDeploy']!.Resource)).toContain('cdk-hnb659fds-deploy-role-123456789012-eu-west-1');
    expect(bySid['RecordDeployment']!.Resource).toBe(`arn:aws:ssm:eu-west-1:123456789012:parameter/game-mesh/${prefix}/deployed/*`);
    // The one wildcard AWS requires: GetAuthorizationToken has no resource-level permission.
    for (const statement of statements) if ((statement as unknown as { Sid: string }).Sid !== 'EcrLogin') expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
    ci.hasOutput('DeployRoleArn', {});
  });
});

describe('alarms reach someone', () => {
  let messaging: Template;
  beforeAll(() => {
    const app = addMeshStacks(new App(), { prefix, imageTag: 'abc123', alarmSubscribers: { email: ['oncall@example.com'], https: ['https://hooks.example.com/mesh'] } });
    messaging = Template.fromStack(app.node.findChild(stackName(prefix, 'messaging')) as never);
  }, 60_000);

  it('subscribes the configured e-mail and HTTPS endpoints to the alarm topic', () => {
    messaging.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    messaging.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/mesh' });
  });

  it('sends every alarm and its recovery (OK) to the topic', () => {
    const alarms = Object.values(messaging.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm['Properties']['AlarmActions']).toHaveLength(1);
      expect(alarm['Properties']['OKActions']).toEqual(alarm['Properties']['AlarmActions']);
    }
  });

  it('encrypts the alarm topic with a key CloudWatch may use, and outputs its ARN', () => {
    const topics = messaging.findResources('AWS::SNS::Topic', { Properties: { TopicName: `${prefix}-mesh-alarms` } });
    const [topic] = Object.values(topics);
    expect(JSON.stringify(topic!['Properties']['KmsMasterKeyId'])).toContain('AlarmTopicKey');
    messaging.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    messaging.hasOutput('AlarmTopicArn', {});
  });
});

describe('the way out of the private subnets (npm run cost says which is cheaper)', () => {
  const platform = (egress?: 'nat' | 'endpoints') =>
    Template.fromStack(addMeshStacks(new App(), { prefix, imageTag: 'abc123', ...(egress ? { egress } : {}) }).node.findChild(stackName(prefix, 'platform')) as never);

  it('is one NAT gateway by default, with the free S3 and DynamoDB gateway endpoints', () => {
    const template = platform();
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('is VPC endpoints for every API a task calls, and no NAT, with -c egress=endpoints', () => {
    const template = platform('endpoints');
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const interfaces = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    // ServiceName is Fn::Join ["", ["com.amazonaws.", region, ".<service>"]]: the last part names it.
    expect(interfaces.map((e) => String((e['Properties']['ServiceName']['Fn::Join'][1] as string[]).at(-1)).slice(1)).sort()).toEqual(
      [...INTERFACE_ENDPOINT_SERVICES].sort(),
    );
    expect(interfaces.every((e) => e['Properties']['PrivateDnsEnabled'] === true)).toBe(true);
  });
});
