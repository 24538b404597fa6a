// CDK entry: cdk.json at the workspace root names it and holds the environment's context (prefix,
// egress, alarm subscribers), so `npx cdk deploy GameMesh-prod-messaging` from a checkout and the
// deploy workflow make the same choices; `-c key=value` overrides one for a single command.
// Account and region come from the AWS environment; without them the stacks synthesize
// environment-agnostic (offline).
import { App } from 'aws-cdk-lib';
import type { Egress } from '@game-mesh/services';
import { addMeshStacks } from './meshApp';

const app = new App();
const account = process.env['CDK_DEFAULT_ACCOUNT'];
addMeshStacks(app, {
  prefix: String(app.node.tryGetContext('prefix') ?? 'prod'),
  imageTag: String(app.node.tryGetContext('imageTag') ?? 'latest'),
  ...(app.node.tryGetContext('githubRepository') ? { githubRepository: String(app.node.tryGetContext('githubRepository')) } : {}),
  // -c egress=nat|endpoints (npm run cost -- --rate N says which is cheaper at your rate)
  egress: egressOf(app.node.tryGetContext('egress')),
  // -c alarmEmail=a@x,b@y -c alarmHttps=https://hooks.example/...
  alarmSubscribers: { email: list(app.node.tryGetContext('alarmEmail')), https: list(app.node.tryGetContext('alarmHttps')) },
  ...(account ? { env: { account, region: process.env['CDK_DEFAULT_REGION'] ?? 'us-east-1' } } : {}),
});
app.synth();

function list(value: unknown): string[] {
  return typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : [];
}

function egressOf(value: unknown): Egress {
  if (value === undefined || value === 'nat' || value === 'endpoints') return value ?? 'nat';
  throw new Error(`-c egress must be "nat" or "endpoints", not ${JSON.stringify(value)}`);
}
