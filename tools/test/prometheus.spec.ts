import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const promtool = (...args: string[]) =>
  run('promtool', args, { cwd: `${root}tools/prometheus` }).catch((error: NodeJS.ErrnoException & { stdout?: string; stderr?: string }) => {
    if (error.code === 'ENOENT') throw new Error('promtool is missing: install Debian\'s prometheus package (apt-get install prometheus); .ci/run does');
    throw new Error(`promtool ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });

// The alerts mirror the CloudWatch alarms (depth > 1000, waiting > 300 s, DLQ > 0, publish failures
// > 1 %); alerts.test.yml feeds each one series just above and just below its threshold.
describe('Prometheus in compose', () => {
  it('has a valid configuration: the generated scrape targets and the alert rules', async () => {
    const { stdout } = await promtool('check', 'config', 'prometheus.yml');
    expect(stdout).toContain('SUCCESS: 4 rules found');
  });

  it('fires each alert on its CloudWatch twin\'s condition and not below it (promtool test rules)', async () => {
    const { stdout } = await promtool('test', 'rules', 'alerts.test.yml');
    expect(stdout).toContain('SUCCESS');
  });
});
