// Tests: the contract gate judges a change against the consumers as deployed.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWorkspace } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// `npm run contracts` in a throwaway copy of the workspace (its one commit is the base: what runs),
// on the change that slipped through when readers were regenerated from the change itself: a field
// sample-consumer reads (weather.changed v1 current.temperatureCelsius) made optional.
describe('the contract gate judges a change against the consumers as deployed', () => {
  let copy: string;
  let weatherSource: string;
  beforeAll(() => {
    copy = copyWorkspace(root, 'gate-deployed-');
    weatherSource = readFileSync(join(copy, 'libs/events/src/contract/events/weather.ts'), 'utf8');
  }, 60_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const contracts = () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/contracts/cli.ts'], { cwd: copy, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: 'tools/tsconfig.json' } });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const editWeather = (options: { optionalTemperature: boolean; consumersDeployFirst: boolean }) => {
    let text = weatherSource;
    if (options.optionalTemperature) text = text.replace(".max(60).describe('Air temperature in degrees Celsius.')", ".max(60).optional().describe('Air temperature in degrees Celsius.')");
    if (options.consumersDeployFirst) text = text.replace('    1: defineEventVersion({\n', '    1: defineEventVersion({\n      consumersDeployFirst: true,\n');
    expect(text).not.toBe(weatherSource);
    writeFileSync(join(copy, 'libs/events/src/contract/events/weather.ts'), text);
  };

  it('refuses a field the deployed reader requires made optional, though the regenerated reader accepts it, naming the consumer', () => {
    editWeather({ optionalTemperature: true, consumersDeployFirst: false });
    const { status, output } = contracts();
    expect(status).toBe(1);
    expect(output).toContain('weather.changed v1: data.current.temperatureCelsius: the producer may now leave it out; the reader requires it. Breaks: sample-consumer (main queue) as deployed');
  }, 60_000);

  it('still refuses when the version is marked consumersDeployFirst but the change leaves the consumer as it is', () => {
    editWeather({ optionalTemperature: true, consumersDeployFirst: true });
    const { status, output } = contracts();
    expect(status).toBe(1);
    expect(output).toContain('Breaks: sample-consumer (main queue) as deployed');
  }, 60_000);

  it('passes when the same change also updates the consumer and marks the version consumersDeployFirst', () => {
    editWeather({ optionalTemperature: true, consumersDeployFirst: true });
    appendFileSync(join(copy, 'apps/sample-consumer/src/WorldProjection.ts'), '// reads a weather without a temperature\n');
    const { status, output } = contracts();
    expect(output).not.toContain('Refused');
    expect(status).toBe(0);
    expect(JSON.parse(readFileSync(join(copy, 'contracts/catalog.json'), 'utf8')).types['weather.changed'].consumersDeployFirst).toEqual([1]);
  }, 60_000);
});
