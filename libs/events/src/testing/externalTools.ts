// For tests: finds the tools outside npm some tests need, and skips (or under CI fails) naming how
// to get one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Tools outside npm that some tests drive: promtool, a Chromium-family browser and a container
 * engine with Compose. On a machine with only Node those tests skip with one line naming the tool
 * and how to install it; where `CI=true` (`.ci/run`, the workflows: both prepare the machine with
 * tools/ci/prepare.sh) a missing tool is a failure, so CI can never pass by skipping.
 */
export type ExternalToolName = 'promtool' | 'browser' | 'containers';

export interface ContainerTools {
  /** The engine's CLI for inspect/run/logs: podman's own when the engine is podman. */
  cli: 'docker' | 'podman';
  /** The Compose command: `docker compose` (v2) when present, else `docker-compose` (v1). */
  compose: readonly string[];
  /** podman runs no HEALTHCHECKs without systemd: the caller must run them itself. */
  runsHealthchecks: boolean;
}

interface Found {
  promtool: string;
  browser: string;
  containers: ContainerTools;
}

const INSTALL: Record<ExternalToolName, string> = {
  promtool: 'promtool (from the prometheus package: sudo apt-get install -y prometheus)',
  browser: 'Chromium or Chrome (sudo apt-get install -y chromium, or set CHROME_PATH)',
  containers: 'a running container engine with Compose (Docker Engine with `docker compose`, or podman with its Docker API and docker-compose)',
};

const answers = (command: string, args: readonly string[]): string | undefined => {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8', timeout: 20_000 });
  } catch {
    return undefined;
  }
};

const onPath = (name: string): string | undefined =>
  (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));

const finders: { [K in ExternalToolName]: () => Found[K] | undefined } = {
  promtool: () => onPath('promtool'),
  browser: () => {
    const fromEnv = process.env['CHROME_PATH'];
    if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
    return ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].map(onPath).find((file) => file !== undefined);
  },
  containers: () => {
    // Asking the engine, not reading DOCKER_HOST: Docker Engine answers on its default socket.
    const server = answers('docker', ['info', '--format', '{{.OperatingSystem}}|{{.ServerVersion}}']);
    if (server === undefined) return undefined;
    const compose = answers('docker', ['compose', 'version']) !== undefined ? ['docker', 'compose'] : answers('docker-compose', ['version']) !== undefined ? ['docker-compose'] : undefined;
    if (!compose) return undefined;
    const podman = /podman/i.test(process.env['DOCKER_HOST'] ?? '') && onPath('podman') !== undefined;
    return { cli: podman ? 'podman' : 'docker', compose, runsHealthchecks: !podman };
  },
};

const announced = new Set<ExternalToolName>();

/**
 * The tool, or undefined after one line saying what is skipped and how to get the tool. Throws
 * when `CI=true`: there the preparation script installed it, so its absence is a broken machine.
 */
export function externalTool<K extends ExternalToolName>(name: K, skipped: string, env: NodeJS.ProcessEnv = process.env): Found[K] | undefined {
  const found = finders[name]();
  if (found !== undefined) return found;
  if (env['CI'] === 'true') throw new Error(`${skipped} needs ${INSTALL[name]}, and CI=true: tools/ci/prepare.sh installs it`);
  if (!announced.has(name)) console.warn(`[skipped] ${skipped}: needs ${INSTALL[name]}`);
  announced.add(name);
  return undefined;
}
