// Tests: docker compose, the whole stack in containers.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { externalTool, freeBasePort, waitFor } from '@game-mesh/events/testing';
import { hostPortVariable, loadServiceDeclarations } from '@game-mesh/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
// Every declared app: a generated one is in the compose file, so it is in these tests too.
const APPS = loadServiceDeclarations(root).map((d) => d.name);

// Docker Engine with Compose v2 (a hosted runner, a laptop), or podman's Docker API with
// docker-compose v1 (.ci/run here): found by asking the engine; without one the file skips.
const tools = externalTool('containers', 'the compose tests (tools/docker/test/compose.spec.ts)');
const cli = tools?.cli ?? 'docker';

describe.skipIf(!tools)('docker compose: the whole stack in containers', () => {
  const project = `gmtest${process.pid}`;
  let ports: Record<string, number>;
  let env: NodeJS.ProcessEnv;
  let ticker: NodeJS.Timeout | undefined;
  const [composeCommand, ...composeArgs] = tools?.compose ?? ['docker-compose'];
  const compose = (...args: string[]) => run(composeCommand!, [...composeArgs, '-p', project, ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
  const container = async (service: string) => (await compose('ps', '-q', service)).stdout.trim();
  const inspect = async (id: string, format: string) => (await run(cli, ['inspect', '--format', format, id])).stdout.trim();

  beforeAll(async () => {
    const base = await freeBasePort(APPS.length + 2);
    ports = { ...Object.fromEntries(APPS.map((app, i) => [app, base + 1 + i])), emulator: base + APPS.length + 1, prometheus: base + APPS.length + 2 };
    env = {
      ...process.env,
      ...Object.fromEntries(APPS.map((app) => [hostPortVariable(app), String(ports[app])])),
      EMULATOR_PORT: String(ports['emulator']),
      PROMETHEUS_PORT: String(ports['prometheus']),
    };
    await compose('build');
    if (tools && !tools.runsHealthchecks) {
      // podman runs HEALTHCHECKs from systemd timers, and this sandbox has no systemd: run them here.
      // One round at a time: on a loaded machine a round can outlast the interval, and rounds that
      // pile up load it further until every health check times out.
      let checking = false;
      ticker = setInterval(() => {
        if (checking) return;
        checking = true;
        void run('podman', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])
          .then(({ stdout }) => Promise.all(stdout.split('\n').filter(Boolean).map((id) => run('podman', ['healthcheck', 'run', id]).catch(() => undefined))))
          .catch(() => undefined)
          .finally(() => (checking = false));
      }, 2_000);
    }
    await compose('up', '-d');
  }, 900_000);

  afterAll(async () => {
    clearInterval(ticker);
    await compose('down', '-v', '--remove-orphans').catch(() => undefined);
  }, 120_000);

  const url = (app: string, path: string) => `http://127.0.0.1:${ports[app]}${path}`;

  it('provisions the topology once and starts every app healthy', async () => {
    expect(await inspect(await container('provision'), '{{.State.ExitCode}}')).toBe('0');
    for (const app of APPS) {
      await waitFor(() => fetch(url(app, '/ready')).then((r) => r.ok || undefined, () => undefined), { timeoutMs: 60_000, message: `${app} /ready` });
    }
    for (const service of ['fauxqs', ...APPS]) {
      const id = await container(service);
      await waitFor(async () => (await inspect(id, '{{.State.Health.Status}}')) === 'healthy' || undefined, { timeoutMs: 60_000, message: `${service} healthy` });
    }
  });

  it('carries an event from weather-manager’s HTTP API to sample-consumer, across containers', async () => {
    const response = await fetch(url('weather-manager', '/weather'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ condition: 'storm', intensity: 0.9, temperatureCelsius: 10 }),
    });
    expect(response.status).toBe(200);
    const { eventId } = (await response.json()) as { eventId: string };
    const recorded = await waitFor(async () => {
      const events = (await (await fetch(url('sample-consumer', '/events'))).json()) as { id: string; queue: string }[];
      const mine = events.filter((e) => e.id === eventId);
      return mine.length === 2 ? mine : undefined;
    }, { timeoutMs: 10_000, message: `event ${eventId} on both sample-consumer queues` });
    expect(recorded.map((e) => e.queue).sort()).toEqual(['main', 'severe']);
  });

  it('runs Prometheus scraping every app, with the alert rules loaded, and sees the queue depths', async () => {
    const prometheus = (path: string) => fetch(`http://127.0.0.1:${ports['prometheus']}${path}`).then((r) => r.json() as Promise<{ data: Record<string, unknown> }>);
    const targets = await waitFor(
      async () => {
        const active = ((await prometheus('/api/v1/targets').catch(() => undefined))?.data['activeTargets'] ?? []) as { labels: { job: string }; health: string }[];
        return active.length === APPS.length && active.every((t) => t.health === 'up') ? active : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'every app scraped and up' },
    );
    expect(targets.map((t) => t.labels.job).sort()).toEqual([...APPS].sort());
    const groups = (await prometheus('/api/v1/rules')).data['groups'] as { rules: { name: string; type: string }[] }[];
    expect(groups.flatMap((g) => g.rules.map((r) => r.name)).sort()).toEqual(['DeadLettered', 'DeadLetters', 'EventsWaitTooLong', 'HandlerFailures', 'PublishFailures', 'QueueDepthHigh']);
    const depth = await waitFor(
      async () => {
        const result = (await prometheus(`/api/v1/query?query=${encodeURIComponent('event_queue_messages{service="sample-consumer",queue="main",state="visible"}')}`)).data['result'] as unknown[];
        return result.length === 1 ? result : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'sample-consumer queue depth in Prometheus' },
    );
    expect(depth).toHaveLength(1);
  });

  it.each(APPS)('the %s image holds only its own bundle and runs as non-root', async (app) => {
    const image = `game-mesh/${app}:local`;
    expect(await inspect(image, '{{.Config.User}}')).toBe('node');
    const files = (await run(cli, ['run', '--rm', '--entrypoint', 'ls', image, '-A', '/app'])).stdout.split('\n').filter(Boolean).sort();
    expect(files).toEqual(['healthcheck.cjs', 'main.cjs', 'main.cjs.map']);
    const whoami = (await run(cli, ['run', '--rm', '--entrypoint', 'id', image, '-u'])).stdout.trim();
    expect(whoami).not.toBe('0');
    const size = Number(await inspect(image, '{{.Size}}'));
    console.log(`${image}: ${(size / 1024 / 1024).toFixed(1)} MiB (base node:24-bookworm-slim included)`);
    expect(size).toBeGreaterThan(0);
  });

  it('SIGTERM (docker compose stop) drains and exits 0 within the stop timeout', async () => {
    const id = await container('sample-consumer');
    const started = Date.now();
    await compose('stop', '-t', '30', 'sample-consumer');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await inspect(id, '{{.State.ExitCode}}')).toBe('0');
    const logs = (await run(cli, ['logs', id])).stdout;
    expect(logs).toContain('"msg":"stopped"');
  });

  it('`down` leaves no container, network or volume behind', async () => {
    await compose('down', '-v');
    const containers = (await run(cli, ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.trim();
    expect(containers).toBe('');
    const networks = (await run(cli, ['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n');
    expect(networks).not.toContain(`${project}_default`);
    const volumes = (await run(cli, ['volume', 'ls', '--format', '{{.Name}}'])).stdout.split('\n');
    expect(volumes).not.toContain(`${project}_provisioned`);
  });
});

describe.skipIf(!tools)('the LocalStack profile', () => {
  it('is a valid compose file (LocalStack cannot be pulled here)', async () => {
    const [command, ...args] = tools!.compose;
    const { stdout } = await run(command!, [...args, '--profile', 'localstack', 'config'], { cwd: root, env: { ...process.env, EVENTS_ENDPOINT: 'http://localstack:4566' } });
    expect(stdout).toContain('image: localstack/localstack:4.13.1');
    expect(stdout).toContain('SERVICES: sns,sqs');
    expect(stdout).toMatch(/AWS_ENDPOINT_URL: http:\/\/localstack:4566/);
  });
});
