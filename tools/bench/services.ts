// `npm run bench:services`: per service, cold start to /ready, idle RSS and bundle size.
// Each service starts from its bundle against an embedded fauxqs, as `npm start` runs it.
import { spawn } from 'node:child_process';
import { benchOutput } from './results';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyTopology, resolveTopology } from '@game-mesh/events';
import { freeBasePort, startLocalEmulator } from '@game-mesh/events/testing';
import { SERVICES } from '../stack/launchStack';
import { createAwsClients } from '@game-mesh/runtime';
import { loadGameTopology } from '@game-mesh/services';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);

const emulator = await startLocalEmulator();
const endpoint = emulator.endpoint;
const report = await applyTopology({ ...createAwsClients({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint }), topology: resolveTopology(loadGameTopology(), { prefix: 'bench' }) });

interface Row { service: string; coldStartMs: { median: number; min: number; max: number }; idleRssMiB: number; bundleMiB: number }
const rows: Row[] = [];
for (const service of SERVICES) {
  const bundle = join(root, 'dist/apps', service, 'main.cjs');
  const starts: number[] = [];
  let rss = 0;
  for (let run = 0; run < runs; run += 1) {
    const port = (await freeBasePort(1)) + 1;
    const started = performance.now();
    const child = spawn(process.execPath, [bundle], {
      env: { PATH: process.env['PATH'], AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', PORT: String(port), LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...report.environment[service] },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (child.exitCode !== null || performance.now() - started > 30_000) {
        child.kill('SIGKILL');
        throw new Error(`${service} was not ready after ${Math.round(performance.now() - started)} ms (exit ${child.exitCode}):\n${errors.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    starts.push(performance.now() - started);
    if (run === runs - 1) {
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // idle: long polls open, timers ticking
      rss = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  starts.sort((a, b) => a - b);
  rows.push({
    service,
    coldStartMs: { median: Math.round(starts[Math.floor(starts.length / 2)] ?? 0), min: Math.round(starts[0] ?? 0), max: Math.round(starts.at(-1) ?? 0) },
    idleRssMiB: Math.round(rss * 10) / 10,
    bundleMiB: Math.round((statSync(bundle).size / 1024 / 1024) * 100) / 100,
  });
}
await emulator.stop();

const out = benchOutput('bench-services');
out.say(`node ${process.version}, ${runs} cold starts per service\n`);
out.say('service          cold start → /ready (median, min–max)   idle RSS    bundle');
for (const row of rows) {
  out.say(`${row.service.padEnd(16)} ${`${row.coldStartMs.median} ms (${row.coldStartMs.min}–${row.coldStartMs.max})`.padEnd(39)} ${`${row.idleRssMiB} MiB`.padEnd(11)} ${row.bundleMiB} MiB`);
}
out.save({ node: process.version, date: new Date().toISOString(), runs, rows });
