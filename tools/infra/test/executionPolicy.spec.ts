// Tests: the CloudFormation execution policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { EXECUTION_POLICY_NAME, executionPolicyDocument, resourceTypes, SERVICE_OF_NAMESPACE } from '../src/executionPolicy';
import { addMeshStacks } from '../src/meshApp';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const apps = (['nat', 'endpoints'] as const).map((egress) => addMeshStacks(new App(), { prefix: 'prod', imageTag: 'abc123', egress, githubRepository: 'game-co/game-event-mesh', env: { account: '123456789012', region: 'eu-west-1' } }));

// What CloudFormation may do when it deploys this app (cdk bootstrap --cloudformation-execution-policies),
// instead of a default bootstrap's AdministratorAccess.
describe('the CloudFormation execution policy', () => {
  const types = resourceTypes(apps);
  const policy = executionPolicyDocument(types);
  const allowed = (action: string) => policy.Statement.some((s) => s.Action.includes(action));

  it('allows the service of every resource type the stacks create, in both egress modes, with the CI stack', () => {
    expect(types.size).toBeGreaterThan(20);
    for (const type of types) {
      if (type.startsWith('Custom::')) continue;
      const service = SERVICE_OF_NAMESPACE[type.split('::')[1]!]!;
      expect({ type, allowed: allowed(`${service}:*`) }).toEqual({ type, allowed: true });
    }
  });

  it('allows nothing else: no service the app does not use, no "*" action, IAM and Lambda on the app\'s own names only', () => {
    const services = new Set([...types].filter((t) => !t.startsWith('Custom::')).map((t) => SERVICE_OF_NAMESPACE[t.split('::')[1]!]));
    for (const statement of policy.Statement) {
      for (const action of statement.Action) {
        expect(action).not.toBe('*');
        if (action !== 'ssm:GetParameters') expect(services.has(action.split(':')[0])).toBe(true);
      }
      if (statement.Action.some((a) => a.startsWith('iam:') || a.startsWith('lambda:'))) expect(statement.Resource).not.toBe('*');
    }
    expect(JSON.stringify(policy)).not.toContain('s3:');
  });

  it('refuses, naming it, a resource type it has no service for (a new kind of resource is a decision)', () => {
    expect(() => executionPolicyDocument(new Set([...types, 'AWS::S3::Bucket']))).toThrow(/AWS::S3::Bucket: no IAM service known for S3/);
  });

  it('is what the README\'s bootstrap step creates and names', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm run -s deploy:execution-policy > execution-policy.json');
    expect(readme).toContain(`aws iam create-policy --policy-name ${EXECUTION_POLICY_NAME} --policy-document file://execution-policy.json`);
    expect(readme).toMatch(new RegExp(`npx cdk bootstrap aws://<account>/<region> --cloudformation-execution-policies arn:aws:iam::<account>:policy/${EXECUTION_POLICY_NAME}`));
  });
});
