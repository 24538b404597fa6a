// Tests: the stop budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EXIT_MARGIN_MS, forcedExitMs } from '@game-mesh/events';
import { baseEnvSchema } from '@game-mesh/runtime';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APPS, addMeshStacks, stackName } from '../src/meshApp';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The longest drain a service accepts in SHUTDOWN_TIMEOUT_MS, found by asking its schema. */
function longestDrainMs(): number {
  const accepts = (ms: number) => baseEnvSchema(0).safeParse({ SHUTDOWN_TIMEOUT_MS: String(ms) }).success;
  let [low, high] = [1_000, 600_000];
  expect(accepts(low) && !accepts(high)).toBe(true);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (accepts(middle)) low = middle;
    else high = middle;
  }
  return low;
}

// The stop budget (libs/events stopBudget.ts), read back from what runs: the longest drain a
// service can be configured with, plus its flush, ends before SIGKILL on ECS and in compose.
describe('the stop budget', () => {
  const drainMs = longestDrainMs();

  it('ends every service\'s forced exit before ECS\'s SIGKILL', () => {
    const app = addMeshStacks(new App(), { prefix: 'prod', imageTag: 'abc123' });
    for (const name of Object.keys(APPS)) {
      const stack = app.node.children.find((child) => child.node.id === stackName('prod', name));
      const definitions = Template.fromStack(stack as never).findResources('AWS::ECS::TaskDefinition');
      const stopTimeouts = Object.values(definitions).flatMap((d) => (d['Properties']['ContainerDefinitions'] as { Name: string; StopTimeout?: number }[]).filter((c) => c.Name === 'app').map((c) => c.StopTimeout));
      expect(stopTimeouts, name).toHaveLength(1);
      expect(forcedExitMs(drainMs) + EXIT_MARGIN_MS, name).toBeLessThanOrEqual(stopTimeouts[0]! * 1000);
    }
  }, 60_000);

  it('ends every service\'s forced exit before compose\'s SIGKILL', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { stop_grace_period?: string }> };
    for (const name of Object.keys(APPS)) {
      const grace = compose.services[name]?.stop_grace_period;
      expect(grace, name).toMatch(/^\d+s$/);
      expect(forcedExitMs(drainMs) + EXIT_MARGIN_MS, name).toBeLessThanOrEqual(Number.parseInt(grace!, 10) * 1000);
    }
  });
});
