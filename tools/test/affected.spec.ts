// Tests: nx affected.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function affectedBy(file: string): string[] {
  const output = execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  });
  return (JSON.parse(output) as string[]).sort();
}

// What `nx affected` builds, tests and deploys for a change.
describe('nx affected', () => {
  it('marks every app (and the contract checks in tools) affected by a change to the contract', () => {
    expect(affectedBy('libs/events/src/contract/events/weather.ts')).toEqual(expect.arrayContaining(['events', 'sample-consumer', 'time-manager', 'tools', 'weather-manager']));
  });

  it('marks the contract gate (and the contract specs in tools) affected by a change to contracts/ alone', () => {
    expect(affectedBy('contracts/schemas/weather.changed/v1.schema.json')).toEqual(expect.arrayContaining(['contracts', 'tools']));
  });

  it('does not touch weather-manager when only time-manager changes', () => {
    const affected = affectedBy('apps/time-manager/src/GameClock.ts');
    expect(affected).toContain('time-manager');
    expect(affected).not.toContain('weather-manager');
    expect(affected).not.toContain('sample-consumer');
    expect(affected).not.toContain('events');
  });

  it('marks only the consumer (and what derives from declarations) when a team changes its subscriptions', () => {
    const affected = affectedBy('apps/sample-consumer/service.json');
    expect(affected).toEqual(expect.arrayContaining(['sample-consumer', 'services', 'infra', 'ops', 'tools']));
    expect(affected).not.toContain('events');
    expect(affected).not.toContain('time-manager');
    expect(affected).not.toContain('weather-manager');
  });
});
