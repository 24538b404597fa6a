// Tests: what a push to main deploys.
import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitAll, copyWorkspace } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployPlan } from '../src/deployPlan';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// The deploy workflow's plan step (npm run deploy:plan) on real commits of a throwaway copy of the
// workspace; the third case, a service from the generator, is in libs/services' generator e2e test.
describe('what a push to main deploys', () => {
  let copy: string;
  beforeAll(() => {
    copy = copyWorkspace(root, 'deploy-plan-');
  }, 60_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const commit = (file: string, edit: (text: string) => string, message: string) => {
    writeFileSync(join(copy, file), edit(readFileSync(join(copy, file), 'utf8')));
    commitAll(copy, message);
  };

  it('a consumer\'s declaration: messaging (its queues and subscriptions), then that app alone', () => {
    commit('apps/sample-consumer/service.json', (text) => text.replace('">=", 0.8', '">=", 0.7'), 'sample-consumer hears of milder storms');
    expect(deployPlan(copy, 'HEAD~1', 'HEAD')).toEqual({ prefix: 'prod', stacks: ['GameMesh-prod-messaging'], apps: ['sample-consumer'] });
  }, 60_000);

  it('tools/ops alone: nothing', () => {
    commit('tools/ops/src/cli.ts', (text) => `${text}// an operator tool changes\n`, 'ops only');
    expect(deployPlan(copy, 'HEAD~1', 'HEAD')).toEqual({ prefix: 'prod', stacks: [], apps: [] });
  }, 60_000);

  it('cdk.json (the egress choice): every stack and every app, consumers before the producers they read, under the prefix it names', () => {
    commit('cdk.json', (text) => text.replace('"egress": "nat"', '"egress": "endpoints"').replace('"prefix": "prod"', '"prefix": "staging"'), 'endpoints');
    // sample-consumer reads weather-manager, time-manager and inventory; weather-manager reads time-manager.
    expect(deployPlan(copy, 'HEAD~1', 'HEAD')).toEqual({ prefix: 'staging', stacks: ['GameMesh-staging-messaging', 'GameMesh-staging-platform'], apps: ['sample-consumer', 'weather-manager', 'time-manager', 'inventory'] });
  }, 60_000);

  it('a branch\'s first push (no commit before it): everything', () => {
    expect(deployPlan(copy, '0'.repeat(40), 'HEAD')).toEqual({ prefix: 'staging', stacks: ['GameMesh-staging-messaging', 'GameMesh-staging-platform'], apps: ['sample-consumer', 'weather-manager', 'time-manager', 'inventory'] });
  });
});
