// Runs every declared service as its own process from its bundle, as npm start does.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { applyTopology, resolveTopology, type ApplyReport } from '@game-mesh/events';
import { fileURLToPath } from 'node:url';
import { createAwsClients } from '@game-mesh/runtime';
import { loadGameTopology, loadServiceDeclarations } from '@game-mesh/services';
import { startLocalEmulator } from '@game-mesh/events/testing';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const declarations = loadServiceDeclarations(repositoryRoot);
/** Every service declared in apps/<name>/service.json, in port order. */
export const SERVICES: readonly string[] = declarations.map((d) => d.name);
export type ServiceName = string;
/** Where `npm start` puts the services: each on its declared port. */
export const DEFAULT_BASE_PORT = 3000;

export interface StackOptions {
  /** Repository root (where dist/ is). */
  root: string;
  /** Broker endpoint; when absent and `useAws` is false, an embedded fauxqs is started. */
  endpoint?: string | undefined;
  /** Talk to real AWS with the default credential chain. */
  useAws?: boolean;
  /** Port of the embedded emulator; 0 picks a free one. @defaultValue 4566 */
  emulatorPort?: number;
  /** Services listen on their declared ports shifted by (basePort - 3000), so tests can move them all. @defaultValue 3000 */
  basePort?: number;
  region?: string;
  prefix?: string;
  /** Extra environment per service (e.g. a faster clock in tests). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  onLine?: (service: string, line: string) => void;
}

export interface RunningService {
  name: ServiceName;
  port: number;
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Its last lines of output, for the error when it dies before it is ready. */
  recent: string[];
}

export interface Stack {
  endpoint: string;
  report: ApplyReport;
  services: Readonly<Record<ServiceName, RunningService>>;
  /** The running service of that name; throws naming the declared ones. */
  service(name: ServiceName): RunningService;
  /** Starts a stopped (or killed) service again with the same environment. */
  restart(name: ServiceName): Promise<RunningService>;
  stop(): Promise<void>;
}

/**
 * What `npm start` runs: the emulator (unless an endpoint or AWS is given), the topology applied,
 * and each service started from its bundle as a separate process, exactly as its container runs it.
 */
export async function launchStack(options: StackOptions): Promise<Stack> {
  const region = options.region ?? 'us-east-1';
  const log = options.onLine ?? (() => undefined);
  let emulator: { stop(): Promise<void> } | undefined;
  let endpoint = options.endpoint;
  if (endpoint === undefined && !options.useAws) {
    // On loopback only: nobody else on the network reaches the queues.
    const server = await startLocalEmulator({ port: options.emulatorPort ?? 4566 }).catch((error: unknown) => {
      throw new Error(`Could not start the emulator on port ${options.emulatorPort ?? 4566} (${String(error)}); set EMULATOR_PORT to another port`);
    });
    emulator = server;
    endpoint = server.endpoint;
    log('emulator', `fauxqs SNS/SQS emulator listening on ${endpoint}`);
  }
  const { sns, sqs } = createAwsClients({ AWS_REGION: region, AWS_ENDPOINT_URL: endpoint });
  const report = await applyTopology({ sns, sqs, topology: resolveTopology(loadGameTopology(repositoryRoot), { prefix: options.prefix ?? 'local' }) });
  sns.destroy();
  sqs.destroy();
  for (const change of report.changes.filter((c) => c.action !== 'unchanged')) log('topology', `${change.action} ${change.kind} ${change.name}`);
  for (const warning of report.warnings) log('topology', `note: ${warning}`);

  const shift = (options.basePort ?? DEFAULT_BASE_PORT) - DEFAULT_BASE_PORT;
  const portOf = (name: ServiceName): number => (declarations.find((d) => d.name === name)?.port ?? 0) + shift;
  const envFor = (name: ServiceName): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'],
    NODE_ENV: 'production',
    // The machine's Node 20 makes the SDK warn that it wants 22; the containers run Node 24.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: region,
    ...(endpoint === undefined ? {} : { AWS_ENDPOINT_URL: endpoint }),
    ...(options.useAws ? pickAwsCredentials(process.env) : {}),
    PORT: String(portOf(name)),
    // The operator APIs are internal: on this machine, only this machine reaches them.
    HOST: '127.0.0.1',
    ...report.environment[name],
    ...options.serviceEnv?.[name],
  });
  const start = (name: ServiceName): RunningService => {
    const bundle = join(options.root, 'dist', 'apps', name, 'main.cjs');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build first (npx nx run-many -t build)`);
    const child = spawn(process.execPath, ['--enable-source-maps', bundle], { env: envFor(name), stdio: ['ignore', 'pipe', 'pipe'] });
    const recent: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(name, line);
      });
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = portOf(name);
    return { name, port, url: `http://localhost:${port}`, process: child, exited, recent };
  };
  const services: Record<ServiceName, RunningService> = Object.fromEntries(SERVICES.map((name) => [name, start(name)]));
  const service = (name: ServiceName): RunningService => {
    const found = services[name];
    if (!found) throw new Error(`no service "${name}"; declared: ${SERVICES.join(', ')}`);
    return found;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(Object.values(services).map((s) => stopProcess(s)));
    await emulator?.stop();
  };
  try {
    await Promise.all(Object.values(services).map((s) => waitReady(s)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    endpoint: endpoint ?? `https://sns.${region}.amazonaws.com`,
    report,
    services,
    service,
    async restart(name) {
      await stopProcess(service(name));
      const restarted = start(name);
      services[name] = restarted;
      await waitReady(restarted);
      return restarted;
    },
    stop: stopAll,
  };
}

async function waitReady(service: RunningService, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${service.name} exited with code ${exitCode} before it was ready:\n${service.recent.join('\n')}`);
    const ready = await fetch(`${service.url}/ready`).then((r) => r.ok).catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms`);
}

async function stopProcess(service: RunningService): Promise<void> {
  if (service.process.exitCode !== null || service.process.signalCode !== null) return;
  service.process.kill('SIGTERM');
  await service.exited;
}

function pickAwsCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'HOME'];
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]]));
}
