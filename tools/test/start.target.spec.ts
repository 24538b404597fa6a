// Tests: which broker npm start uses.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freeBasePort, waitFor } from '@game-mesh/events/testing';
import { describe, expect, it } from 'vitest';
import { chooseTarget } from '../stack/target';

const root = fileURLToPath(new URL('../..', import.meta.url));
// What an engineer's shell holds on a day of AWS work: a profile, keys, even an endpoint.
const AWS_SHELL = { AWS_PROFILE: 'work-account', AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE', AWS_SECRET_ACCESS_KEY: 'fake', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

describe('which broker npm start uses', () => {
  it('is the embedded emulator whatever the shell holds, and says what it ignores', () => {
    expect(chooseTarget([], AWS_SHELL)).toEqual({ target: { kind: 'emulator' }, ignored: ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL'] });
    expect(chooseTarget([], {})).toEqual({ target: { kind: 'emulator' }, ignored: [] });
  });

  it('is AWS only when asked: --aws or EVENTS_TARGET=aws', () => {
    expect(chooseTarget(['--aws'], AWS_SHELL).target).toEqual({ kind: 'aws' });
    expect(chooseTarget([], { ...AWS_SHELL, EVENTS_TARGET: 'aws' }).target).toEqual({ kind: 'aws' });
  });

  it('is another emulator only when named: --endpoint <url> or EVENTS_ENDPOINT', () => {
    expect(chooseTarget(['--endpoint', 'http://localhost:4566'], AWS_SHELL).target).toEqual({ kind: 'endpoint', url: 'http://localhost:4566' });
    expect(chooseTarget([], { EVENTS_ENDPOINT: 'http://localstack:4566' }).target).toEqual({ kind: 'endpoint', url: 'http://localstack:4566' });
  });

  it('refuses what it cannot mean, naming it', () => {
    expect(() => chooseTarget(['--aws', '--endpoint', 'http://x:1'], {})).toThrow(/choose one of --aws and --endpoint/);
    expect(() => chooseTarget([], { EVENTS_TARGET: 'prod' })).toThrow(/EVENTS_TARGET must be emulator, endpoint or aws, not "prod"/);
    expect(() => chooseTarget(['--endpoint', 'localhost'], {})).toThrow(/http\(s\) URL/);
    expect(() => chooseTarget(['--deploy'], {})).toThrow(/--deploy/);
  });
});

/** The addresses listening on `port` (Linux: /proc/net/tcp and tcp6, state 0A = LISTEN). */
function listenersOn(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')
      .map((fields) => {
        const hex = fields[1]!.split(':')[0]!;
        // IPv4 is little-endian hex; anything longer is IPv6, reported as such.
        return hex.length === 8 ? hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `ipv6:${hex}`;
      }),
  );
}

/** `npm start`'s script (the bundles are built: tools' tests depend on the apps' build). */
function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/stack/start.ts', ...args], {
    cwd: root,
    env: { PATH: process.env['PATH']!, HOME: process.env['HOME']!, TSX_TSCONFIG_PATH: 'tools/tsconfig.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

describe('npm start in an engineer\'s shell', () => {
  it('runs on the embedded emulator with fake AWS credentials, a profile and an endpoint in the environment', async () => {
    const basePort = await freeBasePort(4);
    const stack = start([], { ...AWS_SHELL, START_BASE_PORT: String(basePort), EMULATOR_PORT: '0' });
    try {
      await waitFor(() => (stack.output().includes('Game event mesh is running') ? true : undefined), { timeoutMs: 45_000, message: `npm start running:\n${stack.output()}` });
      expect(stack.output()).toMatch(/broker\s+http:\/\/127\.0\.0\.1:\d+ \(embedded fauxqs\)/);
      expect(stack.output()).toContain('AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL set in this shell: not used');
      expect((await fetch(`http://127.0.0.1:${basePort + 3}/ready`)).status).toBe(200);
      // Every port npm start opens listens on loopback only: the emulator and each service.
      // (Read from Linux's socket tables: CI and the workflows run Linux; elsewhere this part says so.)
      const emulatorPort = Number(/broker\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stack.output())![1]);
      if (process.platform === 'linux') {
        for (const port of [emulatorPort, basePort + 1, basePort + 2, basePort + 3]) expect({ port, listeners: listenersOn(port) }).toEqual({ port, listeners: ['127.0.0.1'] });
      } else console.warn(`[skipped] the listening-socket check: it reads /proc/net/tcp, which ${process.platform} has not`);
    } finally {
      stack.child.kill('SIGINT');
      await stack.exited;
    }
  }, 60_000);

  it('refuses --aws with a profile that names no region, before creating anything', async () => {
    const stack = start(['--aws'], { AWS_PROFILE: 'no-region', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain('npm start failed: no AWS region for profile no-region: set AWS_REGION or the profile\'s region');
    expect(stack.output()).not.toContain('topology');
  }, 30_000);
});
