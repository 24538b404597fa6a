// The CI stack: the role GitHub Actions deploys with, through OIDC.
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { OpenIdConnectProvider, PolicyStatement, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface CiStackProps extends StackProps {
  prefix: string;
  /** `owner/name` of the GitHub repository whose main branch may deploy. */
  githubRepository: string;
  apps: readonly string[];
}

/** The ECR actions a `docker push` makes on the app repositories. */
export const IMAGE_PUSH_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'];
/** The CDK bootstrap roles `cdk deploy` assumes (qualifier hnb659fds, the default). */
export const CDK_ROLES = ['deploy', 'file-publishing', 'image-publishing', 'lookup'];

/**
 * What the GitHub Actions deploy workflow may do, through OIDC (no long-lived keys): push images
 * to the app repositories, hand `cdk deploy` to the CDK bootstrap roles, and read and record which
 * revision runs where (SSM, for can-i-deploy). Only the main branch of one repository gets it.
 */
export class CiStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: CiStackProps) {
    super(scope, id, props);
    const provider = new OpenIdConnectProvider(this, 'GitHub', { url: 'https://token.actions.githubusercontent.com', clientIds: ['sts.amazonaws.com'] });
    this.role = new Role(this, 'DeployRole', {
      roleName: `${props.prefix}-game-mesh-ci-deploy`,
      description: 'GitHub Actions deploy workflow of the main branch: push images, cdk deploy, record deployments',
      assumedBy: new WebIdentityPrincipal(provider.openIdConnectProviderArn, {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': `repo:${props.githubRepository}:ref:refs/heads/main` },
      }),
    });
    const { account, region } = this;
    // GetAuthorizationToken has no resource-level permission: AWS requires "*" for it.
    this.role.addToPolicy(new PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'PushAppImages', actions: IMAGE_PUSH_ACTIONS, resources: props.apps.map((app) => `arn:aws:ecr:${region}:${account}:repository/game-mesh/${app}`) }),
    );
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'CdkDeploy', actions: ['sts:AssumeRole'], resources: CDK_ROLES.map((role) => `arn:aws:iam::${account}:role/cdk-hnb659fds-${role}-role-${account}-${region}`) }),
    );
    this.role.addToPolicy(new PolicyStatement({ sid: 'RecordDeployment', actions: ['ssm:PutParameter'], resources: [`arn:aws:ssm:${region}:${account}:parameter/game-mesh/${props.prefix}/deployed/*`] }));
    this.role.addToPolicy(new PolicyStatement({ sid: 'ReadDeployments', actions: ['ssm:GetParametersByPath'], resources: [`arn:aws:ssm:${region}:${account}:parameter/game-mesh/${props.prefix}/deployed`] }));
    const policy = this.role.node.findChild('DefaultPolicy');
    Validations.of(policy).acknowledge({ id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken (statement EcrLogin) has no resource-level permission: AWS requires "*" for it, and it grants no image access by itself' });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ssm:${region}:${account}:parameter/game-mesh/${props.prefix}/deployed/*]`,
      reason: 'ssm:PutParameter on this environment\'s deployment records only: one parameter per app, named by the app, written after each deploy',
    });
    new CfnOutput(this, 'DeployRoleArn', { value: this.role.roleArn, description: 'Set as the DEPLOY_ROLE_ARN variable of the GitHub repository' });
  }
}
