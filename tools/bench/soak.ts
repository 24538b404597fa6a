// `npm run soak -- [rate] [minutes]`: N events/s for M minutes through the whole stack as
// `npm start` runs it (weather changes made through weather-manager's HTTP API, handled by
// sample-consumer). Prints loss (must be 0), publish→handle latency p50/p99, and each service's
// memory at start and end.
import { readFileSync } from 'node:fs';
import { benchOutput } from './results';
import { fileURLToPath } from 'node:url';
import { freeBasePort } from '@game-mesh/events/testing';
import { launchStack, SERVICES } from '../stack/launchStack';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const rate = Number(process.argv[2] ?? 100);
const minutes = Number(process.argv[3] ?? 1);
const root = fileURLToPath(new URL('../..', import.meta.url));

const latencyById = new Map<string, number>();
const stack = await launchStack({
  root,
  emulatorPort: 0,
  basePort: await freeBasePort(),
  prefix: 'soak',
  serviceEnv: { 'weather-manager': { WEATHER_TICK_MS: '3600000' } },
  onLine: (service, line) => {
    if (service !== 'sample-consumer' || !line.includes('"event handled"')) return;
    const record = JSON.parse(line) as { eventId: string; queue: string; latencyMs: number };
    if (record.queue === 'main') latencyById.set(record.eventId, record.latencyMs);
  },
});
const rss = () => Object.fromEntries(SERVICES.map((s) => [s, Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${stack.service(s).process.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024)]));
const rssStart = rss();
const published: string[] = [];
let failedRequests = 0;
const total = Math.round(rate * minutes * 60);
const started = performance.now();
const conditions = ['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog'];
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i += 1) {
  const wait = started + (i * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(
    fetch(`${stack.service('weather-manager').url}/weather`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ condition: conditions[i % conditions.length], intensity: (i % 100) / 100, temperatureCelsius: 10 }),
    }).then(async (r) => {
      if (r.ok) published.push(((await r.json()) as { eventId: string }).eventId);
      else failedRequests += 1;
    }, () => void (failedRequests += 1)),
  );
  if (i > 0 && i % (rate * 10) === 0) process.stderr.write(`${Math.round((i / total) * 100)}% `);
}
await Promise.all(pending);
const drainDeadline = Date.now() + 60_000;
while (published.some((id) => !latencyById.has(id)) && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
const rssEnd = rss();
await stack.stop();

const lost = published.filter((id) => !latencyById.has(id)).length;
const latencies = published.map((id) => latencyById.get(id)).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
const out = benchOutput('soak');
out.say(`\nsoak: ${rate} events/s for ${minutes} min through weather-manager → SNS → SQS → sample-consumer (node ${process.version})`);
out.say(`published ${published.length}, handled ${latencies.length}, lost ${lost}, HTTP failures ${failedRequests}`);
out.say(`latency publish→handle: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies.at(-1) ?? 0} ms`);
for (const service of SERVICES) out.say(`${service.padEnd(16)} RSS ${rssStart[service]} MiB → ${rssEnd[service]} MiB`);
out.save({ date: new Date().toISOString(), node: process.version, rate, minutes, published: published.length, lost, failedRequests, p50Ms: p(0.5), p99Ms: p(0.99), rssStartMiB: rssStart, rssEndMiB: rssEnd });
process.exit(lost === 0 && failedRequests === 0 ? 0 : 1);
