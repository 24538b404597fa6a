// Tests: the Prometheus alert rules (promtool), twins of the CloudWatch alarms.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { externalTool } from '@game-mesh/events/testing';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const promtoolPath = externalTool('promtool', 'the alert-rule tests (tools/test/prometheus.spec.ts)');
const promtool = (...args: string[]) =>
  run(promtoolPath!, args, { cwd: `${root}tools/prometheus` }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`promtool ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });

// The alerts (generated from ALARM_THRESHOLDS, as the CloudWatch alarms are) on the queues and the
// services' own counters; alerts.test.yml feeds each one series just above and just below its threshold.
describe.skipIf(!promtoolPath)('Prometheus in compose', () => {
  it('has a valid configuration: the generated scrape targets and the alert rules', async () => {
    const { stdout } = await promtool('check', 'config', 'prometheus.yml');
    expect(stdout).toContain('SUCCESS: 6 rules found');
  });

  it('fires each alert on its CloudWatch twin\'s condition and not below it (promtool test rules)', async () => {
    const { stdout } = await promtool('test', 'rules', 'alerts.test.yml');
    expect(stdout).toContain('SUCCESS');
  });
});
