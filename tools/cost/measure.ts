// `npm run cost -- --measure`: counts every SNS/SQS request the running stack makes, idle and per
// event, and writes tools/cost/measured.json, which `npm run cost` prices. The stack runs as
// `npm start` runs it (each app from its bundle), its broker traffic through a counting proxy.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freeBasePort, startFaultProxy, startLocalEmulator } from '@game-mesh/events/testing';
import { launchStack } from '../stack/launchStack';
import type { Measured } from './model';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms * 1000));
const IDLE_SECONDS = Number(process.env['COST_IDLE_SECONDS'] ?? 60);
const EVENTS = Number(process.env['COST_EVENTS'] ?? 100);
const LIVE_PAGE_SECONDS = Number(process.env['COST_LIVE_SECONDS'] ?? 20);
/** Where the figures go: tools/cost/measured.json, which `npm run cost` prices, unless COST_OUT names another file. */
const OUT = process.env['COST_OUT'] ?? fileURLToPath(new URL('./measured.json', import.meta.url));
const EVENTS_PER_SECOND = 5;

const emulator = await startLocalEmulator();
const proxy = await startFaultProxy(emulator.endpoint);
let logBytes = 0;
const stack = await launchStack({
  root,
  endpoint: proxy.endpoint,
  basePort: await freeBasePort(3),
  prefix: 'cost',
  // Quiet publishers: only the events this script sends.
  serviceEnv: { 'weather-manager': { WEATHER_TICK_MS: '3600000' }, 'time-manager': { CLOCK_GAME_MINUTES_PER_SECOND: '0.0001' } },
  onLine: (_service, line) => (logBytes += Buffer.byteLength(line) + 1),
});
const url = (name: string) => stack.service(name).url;
const counts = (): Record<string, number> => {
  const snapshot = Object.fromEntries(proxy.seen);
  proxy.seen.clear();
  return snapshot;
};
const perUnit = (c: Record<string, number>, unit: number) => Object.fromEntries(Object.entries(c).map(([action, n]) => [action, Math.round((n / unit) * 1000) / 1000]));
const minus = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Math.max(0, v - (b[k] ?? 0))]));

try {
  await seconds(3);
  counts();
  console.error(`idle for ${IDLE_SECONDS} s…`);
  await seconds(IDLE_SECONDS);
  const idlePerSecond = perUnit(counts(), IDLE_SECONDS);

  const perCall = async (path: string, times = 10) => {
    counts();
    for (const name of Object.keys(stack.services)) for (let i = 0; i < times; i += 1) await fetch(`${url(name)}${path}`);
    const seen = counts();
    return perUnit(seen, times);
  };
  const metricsScrape = await perCall('/metrics');
  const readyCall = await perCall('/ready');

  console.error(`one live page open for ${LIVE_PAGE_SECONDS} s…`);
  counts();
  const page = new AbortController();
  void fetch(`${url('sample-consumer')}/live/stream`, { signal: page.signal }).then((r) => r.body?.pipeTo(new WritableStream()).catch(() => undefined), () => undefined);
  await seconds(LIVE_PAGE_SECONDS);
  page.abort();
  const livePagePerSecond = minus(perUnit(counts(), LIVE_PAGE_SECONDS), idlePerSecond);

  console.error(`${EVENTS} events at ${EVENTS_PER_SECOND}/s (weather storm, weather mild, time: the game's mix)…`);
  counts();
  logBytes = 0;
  const started = Date.now();
  const put = (name: string, path: string, body: unknown) => fetch(`${url(name)}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (let i = 0; i < EVENTS; i += 1) {
    const kind = i % 3;
    if (kind === 0) await put('weather-manager', '/weather', { condition: 'storm', intensity: 0.9, temperatureCelsius: 12 });
    else if (kind === 1) await put('weather-manager', '/weather', { condition: 'rain', intensity: 0.3, temperatureCelsius: 14 });
    else await put('time-manager', '/time', { minuteOfDay: (i * 97) % 1440 });
    await seconds(1 / EVENTS_PER_SECOND);
  }
  await seconds(5); // the last deliveries handled and deleted
  const elapsed = (Date.now() - started) / 1000;
  const steady = counts();
  const perEvent = perUnit(minus(steady, Object.fromEntries(Object.entries(idlePerSecond).map(([k, v]) => [k, v * elapsed]))), EVENTS);

  const measured: Measured = {
    command: 'npm run cost -- --measure',
    measuredAt: new Date().toISOString().slice(0, 10),
    node: process.version,
    services: Object.keys(stack.services).length,
    idleSecondsMeasured: IDLE_SECONDS,
    eventsMeasured: EVENTS,
    eventsPerSecondMeasured: EVENTS_PER_SECOND,
    idleRequestsPerSecond: idlePerSecond,
    requestsPerMetricsScrape: metricsScrape,
    requestsPerReadyCall: readyCall,
    livePageRequestsPerSecond: livePagePerSecond,
    requestsPerEvent: perEvent,
    logBytesPerEvent: Math.round(logBytes / EVENTS),
  };
  writeFileSync(OUT, `${JSON.stringify(measured, null, 2)}\n`);
  console.log(JSON.stringify(measured, null, 2));
} finally {
  await stack.stop();
  await proxy.stop();
  await emulator.stop();
}
