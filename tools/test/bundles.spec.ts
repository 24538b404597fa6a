// Tests: each app's bundle starts alone, from an empty folder.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@game-mesh/events/testing';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../stack/launchStack';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.each(SERVICES)('the %s bundle', (app) => {
  it('holds only its own app, no test files', async () => {
    const meta = JSON.parse(await readFile(join(root, 'dist/apps', app, 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((path) => path.startsWith('apps/') && !path.startsWith(`apps/${app}/`))).toEqual([]);
    expect(inputs.filter((path) => /\.spec\.ts$|\/test\/|fauxqs|vitest/.test(path))).toEqual([]);
    expect(inputs).toContain(`apps/${app}/src/main.ts`);
  });

  it('starts alone, from an empty folder, with only environment variables, and stops on SIGTERM with exit 0', async () => {
    const folder = await mkdtemp(join(tmpdir(), `${app}-`));
    try {
      await copyFile(join(root, 'dist/apps', app, 'main.cjs'), join(folder, 'main.cjs'));
      // PORT=0: the service binds any free port and logs it (a port probed free beforehand can be taken
      // by another process before the child binds it).
      const child = spawn(process.execPath, ['main.cjs'], {
        cwd: folder,
        env: { PATH: process.env['PATH'], EVENTS_MODE: 'log-only', PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      let exitCode: number | null | undefined;
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
      const port = await waitFor(
        () => {
          if (exitCode !== undefined) throw new Error(`${app} exited with ${exitCode} before it was ready:\n${output}`);
          return /ready on port (\d+)/.exec(output)?.[1];
        },
        { timeoutMs: 15_000, message: `${app} "ready on port" log line` },
      ).catch((error: unknown) => {
        child.kill('SIGKILL');
        throw new Error(`${String(error)}; it printed:\n${output}`);
      });
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      // The bundle keeps only the media types services send (tools/build/bundle.mjs): each still has its charset.
      expect(health.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
      if (app === 'weather-manager') await bodiesStillRead(`http://127.0.0.1:${port}/weather`);
      if (app === 'sample-consumer') expect((await fetch(`http://127.0.0.1:${port}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(output).toContain('log-only');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"stopped"');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/**
 * The bundle drops iconv-lite's code-page tables and zod's translated locales (trim-tables in
 * tools/build/bundle.mjs): UTF-8 and UTF-16 bodies are still read, another charset is refused as
 * unsupported, and the contract's errors are still English.
 */
async function bodiesStillRead(url: string): Promise<void> {
  const weather = { condition: 'storm', intensity: 0.9, temperatureCelsius: 12 };
  const put = (body: BodyInit, charset: string) => fetch(url, { method: 'PUT', headers: { 'content-type': `application/json; charset=${charset}` }, body });
  expect((await put(JSON.stringify(weather), 'utf-8')).status).toBe(200);
  expect((await put(Buffer.from(JSON.stringify(weather), 'utf16le'), 'utf-16le')).status).toBe(200);
  const shiftJis = await put(JSON.stringify(weather), 'shift_jis');
  expect([shiftJis.status, await shiftJis.text()]).toEqual([415, expect.stringContaining('unsupported charset')]);
  const invalid = await put(JSON.stringify({ ...weather, intensity: 'high' }), 'utf-8');
  expect([invalid.status, await invalid.text()]).toEqual([400, expect.stringMatching(/intensity.*expected number, received string/i)]);
}
