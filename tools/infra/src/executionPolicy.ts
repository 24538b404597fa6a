// The CloudFormation execution policy for cdk bootstrap, derived from the app's resource types.
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The policy CloudFormation deploys this app with, instead of the AdministratorAccess a default
 * `cdk bootstrap` gives its execution role: create it once, then bootstrap with
 * `--cloudformation-execution-policies arn:aws:iam::<account>:policy/GameMeshCloudFormationExecution`.
 */
export const EXECUTION_POLICY_NAME = 'GameMeshCloudFormationExecution';

/** The IAM service of each CloudFormation resource namespace the app uses. */
export const SERVICE_OF_NAMESPACE: Readonly<Record<string, string>> = {
  ApplicationAutoScaling: 'application-autoscaling',
  CloudWatch: 'cloudwatch',
  DynamoDB: 'dynamodb',
  EC2: 'ec2',
  ECR: 'ecr',
  ECS: 'ecs',
  IAM: 'iam',
  KMS: 'kms',
  Lambda: 'lambda',
  Logs: 'logs',
  SNS: 'sns',
  SQS: 'sqs',
  SecretsManager: 'secretsmanager',
};

/** Every CloudFormation resource type the stacks of `apps` create. */
export function resourceTypes(apps: readonly App[]): Set<string> {
  const types = new Set<string>();
  for (const app of apps) {
    for (const stack of app.node.children) {
      for (const resource of Object.values((Template.fromStack(stack as never).toJSON() as { Resources?: Record<string, { Type: string }> }).Resources ?? {})) types.add(resource.Type);
    }
  }
  return types;
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

/**
 * The policy document, derived from the resource types: the services they belong to, IAM and
 * Lambda only on this app's own names (roles and functions CDK names after the stacks,
 * `GameMesh-*`, the CI role `*-game-mesh-*`), the GitHub OIDC provider, the service-linked roles
 * ECS and Application Auto Scaling create, and the bootstrap's version parameter. Throws naming
 * a resource type it has no service for, so a new kind of resource is a decision, not a surprise.
 */
export function executionPolicyDocument(types: ReadonlySet<string>): { Version: '2012-10-17'; Statement: Statement[] } {
  const services = new Set<string>();
  for (const type of types) {
    if (type.startsWith('Custom::')) continue; // backed by a Lambda function (AWS::Lambda::Function)
    const namespace = type.split('::')[1] ?? '';
    const service = SERVICE_OF_NAMESPACE[namespace];
    if (!service) throw new Error(`${type}: no IAM service known for ${namespace}; add it to SERVICE_OF_NAMESPACE (tools/infra/src/executionPolicy.ts) if the app should create it`);
    services.add(service);
  }
  const scoped = new Set(['iam', 'lambda']);
  const statements: Statement[] = [
    { Sid: 'AppServices', Effect: 'Allow', Action: [...services].filter((s) => !scoped.has(s)).sort().map((s) => `${s}:*`), Resource: '*' },
  ];
  if (services.has('iam')) {
    statements.push(
      { Sid: 'OwnRoles', Effect: 'Allow', Action: ['iam:*'], Resource: ['arn:aws:iam::*:role/GameMesh-*', 'arn:aws:iam::*:role/*-game-mesh-*', 'arn:aws:iam::*:oidc-provider/token.actions.githubusercontent.com'] },
      { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: 'arn:aws:iam::*:role/aws-service-role/*' },
    );
  }
  if (services.has('lambda')) statements.push({ Sid: 'OwnFunctions', Effect: 'Allow', Action: ['lambda:*'], Resource: 'arn:aws:lambda:*:*:function:GameMesh-*' });
  statements.push({ Sid: 'BootstrapVersion', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: 'arn:aws:ssm:*:*:parameter/cdk-bootstrap/*' });
  return { Version: '2012-10-17', Statement: statements };
}
