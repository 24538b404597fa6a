// `npm run -s deploy:execution-policy > execution-policy.json`: the IAM policy CloudFormation
// deploys this app with (README: Deploying to AWS, step 1), from every stack of both egress modes.
import { App } from 'aws-cdk-lib';
import { executionPolicyDocument, resourceTypes } from './executionPolicy';
import { addMeshStacks } from './meshApp';

const apps = (['nat', 'endpoints'] as const).map((egress) => addMeshStacks(new App(), { prefix: 'prod', imageTag: 'latest', egress, githubRepository: 'owner/name', env: { account: '123456789012', region: 'us-east-1' } }));
console.log(JSON.stringify(executionPolicyDocument(resourceTypes(apps)), null, 2));
