// Tests: nx g @game-mesh/services:service, on a copy of the workspace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { resolveTopology } from '@game-mesh/events';
import { commitAll, copyWorkspace, externalTool, freeBasePort, waitFor } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsTree } from 'nx/src/generators/tree';
import serviceGenerator from '../generator/serviceGenerator';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

const run = (copy: string, command: string, args: string[]) => execFileSync(command, args, { cwd: copy, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });

// `nx g @game-mesh/services:service` on a copy of this workspace, then everything a user does with
// the new service, with no file edited by hand.
describe('nx g @game-mesh/services:service, on a copy of the workspace', () => {
  let copy: string;
  let generatorMs: number;
  beforeAll(() => {
    copy = copyWorkspace(root, 'generator-');
    const started = Date.now();
    run(copy, 'npx', ['nx', 'g', '@game-mesh/services:service', 'loot-tracker', '--consumes', 'weather.changed,time.changed', '--publishes', 'loot.dropped', '--ordered-by', 'playerId']);
    generatorMs = Date.now() - started;
  }, 120_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('changes only the new app, the catalog (a new type) and files derived from declarations', () => {
    const changed = run(copy, 'git', ['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean).map((line) => line.slice(3)).sort();
    const app = changed.filter((f) => f.startsWith('apps/loot-tracker/'));
    expect(app).toEqual(
      ['Dockerfile', 'project.json', 'service.json', 'src/declared.ts', 'src/main.ts', 'src/service.ts', 'test/loot-tracker.spec.ts', 'tsconfig.json', 'vitest.config.mts'].map((f) => `apps/loot-tracker/${f}`),
    );
    const rest = changed.filter((f) => !app.includes(f));
    expect(rest.filter((f) => !f.startsWith('contracts/'))).toEqual(['README.md', 'docker-compose.yml', 'libs/events/src/contract/events/loot.ts', 'libs/events/src/contract/gameEvents.ts', 'tools/prometheus/prometheus.yml']);
    // The README's configuration table gained the new service's variables.
    expect(readFileSync(join(copy, 'README.md'), 'utf8')).toMatch(/\| `EVENTS_QUEUE_URL` \| [^|]*loot-tracker/);
    expect(rest).toContain('contracts/readers/loot-tracker.json');
  });

  it('writes a declaration like the other services have, and derives every other file from it', () => {
    expect(JSON.parse(readFileSync(join(copy, 'apps/loot-tracker/service.json'), 'utf8'))).toMatchObject({
      name: 'loot-tracker',
      port: 3005,
      publishes: ['loot.dropped'],
      consumes: { main: { subscriptions: [{ type: 'weather.changed', version: 1 }, { type: 'time.changed', version: 1 }] } },
    });
    // Derived files are what `npm run services` / `npm run contracts` would write: nothing stale.
    expect(run(copy, 'npm', ['run', '-s', 'services', '--', '--check'])).toMatch(/up to date/);
    expect(run(copy, 'npm', ['run', '-s', 'contracts', '--', '--check'])).toMatch(/up to date/);
    expect(readFileSync(join(copy, 'contracts/readers/loot-tracker.json'), 'utf8')).toContain('weather.changed');
    // The one Dockerfile shape, on its port.
    expect(readFileSync(join(copy, 'apps/loot-tracker/Dockerfile'), 'utf8')).toContain('ENV NODE_ENV=production PORT=3005');
  });

  it('builds, lints, type-checks and passes its own tests', () => {
    const output = run(copy, 'npx', ['nx', 'run-many', '-t', 'typecheck', 'lint', 'test', 'build', '--projects=loot-tracker', '--outputStyle=static', '--skip-nx-cache']);
    expect(output).toMatch(/Successfully ran targets typecheck, lint, test, build for project loot-tracker/);
    expect(output).toMatch(/Tests\s+4 passed/);
  }, 180_000);

  it('takes a second queue as a service.json edit plus the handler the compiler asks for', () => {
    const file = join(copy, 'apps/loot-tracker/service.json');
    const declaration = JSON.parse(readFileSync(file, 'utf8')) as { consumes: Record<string, unknown> };
    declaration.consumes['severe'] = { subscriptions: [{ type: 'weather.changed', version: 1, filter: { intensity: [{ numeric: ['>=', 0.8] }] }, reads: ['current'] }] };
    writeFileSync(file, `${JSON.stringify(declaration, null, 2)}\n`);
    run(copy, 'npm', ['run', '-s', 'services']);
    run(copy, 'npm', ['run', '-s', 'contracts']);
    const typecheck = () => run(copy, 'npx', ['tsc', '-p', 'apps/loot-tracker/tsconfig.json', '--noEmit', '--pretty', 'false']);
    let asked = '';
    try {
      typecheck();
    } catch (error) {
      asked = String((error as { stdout?: string }).stdout);
    }
    expect(asked).toMatch(/^apps\/loot-tracker\/src\/service\.ts[\s\S]*Property 'severe' is missing/);
    // The handler it asks for, and nothing else.
    const source = join(copy, 'apps/loot-tracker/src/service.ts');
    writeFileSync(source, readFileSync(source, 'utf8').replace("handlers: { main: {", "handlers: { severe: { 'weather.changed': handle }, main: {"));
    expect(typecheck()).toBe('');
    const output = stripVTControlCharacters(run(copy, 'npx', ['vitest', 'run', '--config', 'apps/loot-tracker/vitest.config.mts']));
    expect(output).toMatch(/Tests\s+4 passed/);
  }, 180_000);

  it('is in the topology: its queue, subscribed to both producers, and its own topic', () => {
    // Asked of the copy, as every tool there does (its catalog has the new type).
    writeFileSync(
      join(copy, 'tools/print-topology.ts'),
      "import { resolveTopology } from '@game-mesh/events';\nimport { loadGameTopology } from '@game-mesh/services';\nconsole.log(JSON.stringify(resolveTopology(loadGameTopology(), { prefix: 'prod' })));\n",
    );
    const topology = JSON.parse(
      run(copy, 'npx', ['tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/print-topology.ts']),
    ) as ReturnType<typeof resolveTopology>;
    // --ordered-by playerId: loot.dropped is ordered per player, on a FIFO topic.
    expect(topology.topics).toContainEqual({ key: 'loot-tracker', name: 'prod-loot-tracker.fifo', producer: 'loot-tracker', fifo: true });
    const queue = topology.queues.find((q) => q.service === 'loot-tracker');
    expect(queue?.subscriptions.map((s) => s.topicKey).sort()).toEqual(['time', 'weather']);
  }, 60_000);

  it('gets its CDK stack, granting it its own topic and queue', () => {
    run(copy, 'npx', ['tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/infra/src/synth.ts', 'prod']);
    const template = readFileSync(join(copy, 'cdk.out/GameMesh-prod-loot-tracker.template.json'), 'utf8');
    expect(template).toContain('prod-loot-tracker');
    expect(template).toContain('sns:Publish');
    expect(template).toContain('sqs:ReceiveMessage');
  }, 120_000);

  it('is deployed by the pipeline once pushed: the shared stacks first (its ECR repository is in platform), then the new app', () => {
    commitAll(copy, 'a new service: loot-tracker');
    const plan = JSON.parse(run(copy, 'npx', ['tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/infra/src/planCli.ts', '--base', 'HEAD~1'])) as { stacks: string[]; apps: string[] };
    expect(plan.stacks).toEqual(['GameMesh-prod-messaging', 'GameMesh-prod-platform']);
    expect(plan.apps).toContain('loot-tracker');
  }, 60_000);

  it('refuses what cannot be a service of the mesh, naming each problem, and writes nothing', () => {
    const refused = (args: string[]) => {
      try {
        run(copy, 'npx', ['nx', 'g', '@game-mesh/services:service', ...args]);
      } catch (error) {
        return `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      }
      throw new Error(`nx g ${args.join(' ')} was accepted`);
    };
    expect(refused(['idle'])).toContain('give --consumes, --publishes or both');
    expect(refused(['spy', '--consumes', 'rain.started', '--publishes', 'time.changed'])).toMatch(/--consumes rain.started: no such event type[\s\S]*--publishes time.changed: time-manager publishes it/);
    expect(refused(['loot-tracker', '--consumes', 'weather.changed'])).toContain('apps/loot-tracker exists already');
    expect(refused(['tracker', '--publishes', 'player.moved', '--high-volume', '--ordered-by', 'playerId'])).toContain('--high-volume and --ordered-by do not go together');
    expect(run(copy, 'git', ['status', '--porcelain', '--untracked-files=all'])).not.toMatch(/apps\/(idle|spy)\//);
  }, 60_000);

  it('marks the new types it publishes high-volume with --high-volume (in memory: nothing written)', () => {
    const tree = new FsTree(copy, false);
    serviceGenerator(tree, { name: 'tracker', publishes: 'player.moved', highVolume: true, skipDerived: true });
    const event = tree.read('libs/events/src/contract/events/player.ts', 'utf-8') ?? '';
    expect(event).toMatch(/\n {2}highVolume: true,\n/);
    expect(event).not.toContain('ordering:');
    expect(tree.read('libs/events/src/contract/gameEvents.ts', 'utf-8')).toContain("'player.moved': playerMoved,");
    const plain = new FsTree(copy, false);
    serviceGenerator(plain, { name: 'tracker', publishes: 'player.moved', skipDerived: true });
    expect(plain.read('libs/events/src/contract/events/player.ts', 'utf-8')).not.toContain('highVolume');
  });

  const containers = externalTool('containers', 'the generator\'s compose check (libs/services/test/generator.e2e.spec.ts)');
  it.skipIf(!containers)('is in docker compose, on its port, on loopback', () => {
    const [command, ...args] = containers!.compose;
    const config = run(copy, command!, [...args, '-f', 'docker-compose.yml', 'config']);
    expect(config).toMatch(/\n {2}loot-tracker:\n/);
    expect(config).toContain('apps/loot-tracker/Dockerfile');
    expect(config).toMatch(/127\.0\.0\.1:3005:3005|host_ip: 127\.0\.0\.1[\s\S]*published: "?3005/);
  });

  describe('under npm start', () => {
    let stack: ChildProcess | undefined;
    let output = '';
    afterAll(async () => {
      if (!stack || stack.exitCode !== null) return;
      const exited = new Promise((resolve) => stack!.once('exit', resolve));
      process.kill(-stack.pid!, 'SIGINT');
      await exited;
    });

    it('handles its first event, and doctor checks its queue and its /ready', async () => {
      const basePort = await freeBasePort(5);
      const emulatorPort = (await freeBasePort(1)) + 1;
      const startedAt = Date.now();
      stack = spawn('npm', ['start'], { cwd: copy, env: { ...env, START_BASE_PORT: String(basePort), EMULATOR_PORT: String(emulatorPort) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = `http://127.0.0.1:${basePort + 5}`;
      await waitFor(() => /loot-tracker[^\n]*handled/.test(output), { timeoutMs: 150_000, intervalMs: 200, message: 'loot-tracker handling an event under npm start' }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${output.slice(-4000)}`);
      });
      const startMs = Date.now() - startedAt;
      console.log(`nx g: ${(generatorMs / 1000).toFixed(1)} s; npm start (builds included) to loot-tracker's first handled event: ${(startMs / 1000).toFixed(1)} s; together ${((generatorMs + startMs) / 1000).toFixed(1)} s`);
      const handled = (await (await fetch(`${url}/handled`)).json()) as Record<string, { count: number }>;
      expect(Object.keys(handled).length).toBeGreaterThan(0);

      const doctor = run(copy, 'npm', ['run', '-s', 'events', '--', '--endpoint', `http://127.0.0.1:${emulatorPort}`, 'doctor', '--json', '--services', `loot-tracker=${url}`]);
      const { checks } = JSON.parse(doctor) as { checks: { name: string; ok: boolean; detail: string }[] };
      const mine = checks.filter((c) => c.name.includes('loot-tracker'));
      expect(mine.length).toBeGreaterThan(2);
      expect(mine.filter((c) => !c.ok)).toEqual([]);
    }, 240_000);
  });
});
