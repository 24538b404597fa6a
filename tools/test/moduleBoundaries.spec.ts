// Tests: @nx/enforce-module-boundaries.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Lints probe files that break the rule (they exist only in memory) and expects the error:
// the boundary between services is enforced, not just declared.
describe('@nx/enforce-module-boundaries', () => {
  let eslint: ESLint;
  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false }); // the rule reads the cached project graph
    eslint = new ESLint({ cwd: root });
  });

  const boundaryErrors = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it('refuses an app importing another app', async () => {
    const errors = await boundaryErrors('apps/weather-manager/src/probe.ts', "import { timeManager } from '../../time-manager/src/service';\nexport const x = timeManager;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Projects cannot be imported by a relative or absolute path/);
  });

  it('refuses a lib importing an app', async () => {
    const errors = await boundaryErrors('libs/events/src/probe.ts', "import { sampleConsumer } from '../../../apps/sample-consumer/src/service';\nexport const x = sampleConsumer;\n");
    expect(errors).toHaveLength(1);
  });

  it('refuses a deep import past a lib barrel', async () => {
    const errors = await boundaryErrors('apps/weather-manager/src/probe.ts', "import { Publisher } from '../../../libs/events/src/transport/publisher/Publisher';\nexport const x = Publisher;\n");
    expect(errors).toHaveLength(1);
  });

  it('allows an app to use a lib through its barrel', async () => {
    const errors = await boundaryErrors('apps/weather-manager/src/probe.ts', "import { gameEvents } from '@game-mesh/events';\nexport const x = gameEvents;\n");
    expect(errors).toEqual([]);
  });
});
