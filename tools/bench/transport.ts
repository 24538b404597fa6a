// `npm run bench`: our publisher/subscriber against bbc's sqs-consumer at its best (4 consumers,
// batchSize 10, handleMessageBatch, pollingWaitTimeMs 0, fed by PublishBatch of 10 with 4 batches
// in flight), sqs-consumer as most people run it (one consumer, handleMessage) and a naive port
// (Publish per event, ReceiveMessage of one, DeleteMessage per message). Same fauxqs, in its own
// process, counting requests as it answers them; each contender runs in a process of its own, so
// its CPU time and peak RSS are its own, and measures after a warm-up of the same work. Rounds
// take turns (each starting with the next contender); each figure is the median of the rounds. Prints the targets with pass/fail.
import { spawn } from 'node:child_process';
import { CONTENDERS, PACED_RATE, state, type Client } from './contenders';
import { benchOutput } from './results';
import { performance as nodePerformance } from 'node:perf_hooks';
import { awsClientConfig } from '@game-mesh/events';
import { COUNTS_PATH } from '@game-mesh/events/testing';
import { percentile, round, startCountingEmulator } from './processes';
import { describeMachineFloor, measureMachineFloor, type MachineFloor } from './machineFloor';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
// Steady state is what a service runs in: the compared pair is measured over 20,000 events after
// 5,000 of warm-up; the reference rows (an order of magnitude slower) over a quarter of each.
const FULL_SPEED_EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const WARMUP_EVENTS = Number(process.env['BENCH_WARMUP'] ?? 5_000);
const REFERENCE_SHARE = 0.25;
const PACED_SECONDS = Number(process.env['BENCH_PACED_SECONDS'] ?? 10);
const PRICE_PER_MILLION = { sns: 0.5, sqs: 0.4 }; // USD, us-east-1 list prices, standard topics and queues

/** In a child process: one contender, one scenario; prints its result as JSON. */
async function runOne(contender: string, endpoint: string, paced: boolean): Promise<void> {
  const config = awsClientConfig({ endpoint, region: 'us-east-1' });
  const entry = CONTENDERS[contender];
  if (!entry) throw new Error(`no contender ${contender}`);
  const share = entry.reference ? REFERENCE_SHARE : 1;
  const result = await runScenario(await entry.make(config), endpoint, paced ? PACED_RATE * PACED_SECONDS : Math.round(FULL_SPEED_EVENTS * share), paced, Math.round(WARMUP_EVENTS * share));
  console.log(JSON.stringify({ ...result, peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1) }));
}

async function inChild(contender: string, endpoint: string, paced: boolean): Promise<Awaited<ReturnType<typeof runScenario>> & { peakRssMiB: number }> {
  const child = spawn(process.execPath, ['node_modules/.bin/tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/bench/transport.ts', '--run', contender, endpoint, paced ? 'paced' : 'full'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${contender} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Awaited<ReturnType<typeof runScenario>> & { peakRssMiB: number };
}

async function main(): Promise<void> {
  // First, alone on the machine: what a bare round trip and idling cost here (context for the 50/s targets).
  const floor = await measureMachineFloor();
  const emulator = await startCountingEmulator();
  try {
    const { endpoint } = emulator;
    // Every contender's clients get the same settings (awsClientConfig), each in its own process.
    // BENCH_CONTENDERS=ours,'sqs-consumer best' runs a subset; BENCH_ROUNDS rounds take turns and
    // each figure is the median of the rounds.
    const only = process.env['BENCH_CONTENDERS']?.split(',').map((n) => n.trim());
    const names = Object.keys(CONTENDERS).filter((n) => !only || only.includes(n));
    const runs = new Map<string, { full: Result[]; paced: Result[] }>(names.map((n) => [n, { full: [], paced: [] }]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      // The reference rows run in the first round only: they are context, not targets, and the
      // compared pair gets the time for more rounds (this machine's noise is ±15 % per run).
      const inRound = round === 1 ? names : names.filter((n) => !CONTENDERS[n]?.reference);
      // Each round starts with a different contender: no one always runs first on a fresh emulator.
      const order = [...inRound.slice((round - 1) % inRound.length), ...inRound.slice(0, (round - 1) % inRound.length)];
      for (const name of order) {
        runs.get(name)!.full.push(await inChild(name, endpoint, false));
        runs.get(name)!.paced.push(await inChild(name, endpoint, true));
        console.error(`round ${round}/${ROUNDS}: ${name} done`);
      }
    }
    report(
      names.map((client) => ({ client, full: median(runs.get(client)!.full), paced: median(runs.get(client)!.paced) })),
      runs,
      floor,
    );
  } finally {
    emulator.stop();
  }
}

/** Each figure the median of its rounds (lost and twice: the sum, they must be 0 in every one). */
function median(results: Result[]): Result {
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const first = results[0]!;
  const numeric = Object.fromEntries(
    Object.entries(first)
      .filter(([, value]) => typeof value === 'number')
      .map(([key]) => [key, mid(results.map((r) => r[key as keyof Result] as number))]),
  );
  return {
    ...first,
    ...numeric,
    byAction: first.byAction,
    lost: results.reduce((sum, r) => sum + r.lost, 0),
    duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
  } as Result;
}

async function runScenario(client: Client, endpoint: string, count: number, paced: boolean, warmup: number) {
  const handledAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const warmupSent = new Map<string, number>();
  const warmupHandled = new Set<string>();
  let duplicates = 0;
  await client.start((id) => {
    if (warmupSent.has(id)) warmupHandled.add(id);
    else if (handledAt.has(id)) duplicates += 1;
    else handledAt.set(id, performance.now());
  });
  // Warm-up, not measured: the same work at full speed first, so every contender is measured
  // compiled (steady state, as a service runs), not while V8 is still optimising its code.
  state.published = warmupSent;
  await client.publish(warmup, false);
  for (const started = performance.now(); warmupHandled.size < warmup; ) {
    if (performance.now() - started > 120_000) throw new Error(`${client.name}: warm-up not handled after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // Batched deletes of the warm-up leave within their window; then the counts start from zero.
  await new Promise((resolve) => setTimeout(resolve, 500));
  state.published = sentAt;
  await fetch(`${endpoint}${COUNTS_PATH}`, { method: 'DELETE' });
  const cpuBefore = process.cpuUsage();
  const eluBefore = nodePerformance.eventLoopUtilization();
  const started = performance.now();
  await client.publish(count, paced);
  while (handledAt.size < count) {
    if (performance.now() - started > 120_000) throw new Error(`${client.name}: only ${handledAt.size}/${count} handled after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsedMs = performance.now() - started;
  // Let batched deletes go out before counting.
  await client.stop();
  const cpu = process.cpuUsage(cpuBefore);
  const elu = nodePerformance.eventLoopUtilization(eluBefore);
  const counts = (await (await fetch(`${endpoint}${COUNTS_PATH}`, { method: 'DELETE' })).json()) as Record<string, number>;
  const latencies = [...handledAt].map(([id, at]) => at - (sentAt.get(id) ?? at)).sort((a, b) => a - b);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const snsRequests = Object.entries(counts).filter(([a]) => a.startsWith('Publish')).reduce((s, [, n]) => s + n, 0);
  state.scenario += 1;
  return {
    events: count,
    eventsPerSecond: Math.round((count / elapsedMs) * 1000),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    requestsPerEvent: round(total / count, 3),
    byAction: Object.fromEntries(Object.entries(counts).map(([a, n]) => [a, round(n / count, 3)])),
    costPerMillionEvents: round(((snsRequests / count) * PRICE_PER_MILLION.sns + ((total - snsRequests) / count) * PRICE_PER_MILLION.sqs), 3),
    cpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / count, 3),
    // Main-thread busy time (event loop utilisation): what bounds throughput once it nears 100 %.
    busyMsPerEvent: round(elu.active / count, 3),
    duplicates,
    lost: [...sentAt.keys()].filter((id) => !handledAt.has(id)).length,
  };
}

type Result = Awaited<ReturnType<typeof runScenario>> & { peakRssMiB: number };

function report(results: { client: string; full: Result; paced: Result }[], runs: Map<string, { full: Result[]; paced: Result[] }>, floor: MachineFloor): void {
  const out = benchOutput('bench');
  const rows = [
    ['client', 'events/s', 'p50 ms', 'p99 ms', 'req/event', 'CPU ms/event', 'peak RSS MiB', '$/M events', '| @50/s: p50 ms', 'p99 ms', 'req/event', 'lost', 'twice'],
    ...results.map(({ client, full, paced }) =>
      [client, full.eventsPerSecond, full.p50Ms, full.p99Ms, full.requestsPerEvent, full.cpuMsPerEvent, full.peakRssMiB, full.costPerMillionEvents, `| ${paced.p50Ms}`, paced.p99Ms, paced.requestsPerEvent, full.lost + paced.lost, full.duplicates + paced.duplicates].map(String),
    ),
  ];
  const table = (lines: string[][]) => {
    const widths = lines[0]!.map((_, c) => Math.max(...lines.map((r) => r[c]!.length)));
    for (const row of lines) out.say(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  };
  out.say(`node ${process.version}; ${FULL_SPEED_EVENTS} events at full speed after ${WARMUP_EVENTS} of warm-up (reference rows: a quarter of each, first round only), ${PACED_RATE * PACED_SECONDS} at ${PACED_RATE}/s; median of ${ROUNDS} rounds; fauxqs in its own process, counting requests; each contender in its own process\n`);
  for (const [name, { describe }] of Object.entries(CONTENDERS)) out.say(`  ${name.padEnd(19)} ${describe}`);
  out.say('');
  table(rows);
  const ours = results.find((r) => r.client === 'ours');
  const best = results.find((r) => r.client === 'sqs-consumer best');
  if (ours && best) {
    const ratio = (a: number, b: number) => round(a / b, 2);
    const targets: [string, string, number, (v: number) => boolean, (v: number) => boolean][] = [
      ['throughput vs sqs-consumer best', '≥ 1.0× (aim 1.2×)', ratio(ours.full.eventsPerSecond, best.full.eventsPerSecond), (v) => v >= 1, (v) => v >= 1.2],
      ['CPU per event vs sqs-consumer best', '≤ 1.0× (aim 0.85×)', ratio(ours.full.cpuMsPerEvent, best.full.cpuMsPerEvent), (v) => v <= 1, (v) => v <= 0.85],
      ['requests per event, full speed', '≤ 0.30', ours.full.requestsPerEvent, (v) => round(v, 2) <= 0.3, (v) => round(v, 2) <= 0.3],
      ['requests per event at 50/s', '≤ 2.2', ours.paced.requestsPerEvent, (v) => v <= 2.2, (v) => v <= 2.2],
      ['publish → handle p50 at 50/s (ms)', '≤ 3', ours.paced.p50Ms, (v) => v <= 3, (v) => v <= 3],
      ['publish → handle p99 at 50/s (ms)', '≤ 8', ours.paced.p99Ms, (v) => v <= 8, (v) => v <= 8],
      ['peak RSS vs sqs-consumer best', '≤ 1.10×', ratio(ours.full.peakRssMiB, best.full.peakRssMiB), (v) => v <= 1.1, (v) => v <= 1.1],
      ['lost or handled twice (every run)', '0', ours.full.lost + ours.paced.lost + ours.full.duplicates + ours.paced.duplicates, (v) => v === 0, (v) => v === 0],
    ];
    out.say('\ntargets (issue 15), ours:');
    table([['target', 'wanted', 'measured', ''], ...targets.map(([name, wanted, value, pass, aim]) => [name, wanted, String(value), pass(value) ? (aim(value) ? 'pass (aim met)' : 'pass') : 'FAIL'])]);
    // The spread: the same ratio in each round, so one run's noise shows.
    const ourRuns = runs.get('ours')?.full ?? [];
    const bestRuns = runs.get('sqs-consumer best')?.full ?? [];
    const perRound = (pick: (r: Result) => number) => ourRuns.map((r, i) => (bestRuns[i] ? ratio(pick(r), pick(bestRuns[i])) : NaN)).join(', ');
    out.say(`\nper round, ours / sqs-consumer best: throughput ${perRound((r) => r.eventsPerSecond)}; CPU per event ${perRound((r) => r.cpuMsPerEvent)}; peak RSS ${perRound((r) => r.peakRssMiB)}`);
    // The rounds themselves, so a reader sees which side a round's noise fell on.
    const each = (runsOf: Result[], pick: (r: Result) => number) => runsOf.map(pick).join(', ');
    out.say(`  events/s: ours ${each(ourRuns, (r) => r.eventsPerSecond)}; sqs-consumer best ${each(bestRuns, (r) => r.eventsPerSecond)}`);
    out.say(`  CPU ms/event: ours ${each(ourRuns, (r) => r.cpuMsPerEvent)}; sqs-consumer best ${each(bestRuns, (r) => r.cpuMsPerEvent)}`);
    out.say(`  @50/s p99 ms: ours ${each(runs.get('ours')?.paced ?? [], (r) => r.p99Ms)}; sqs-consumer best ${each(runs.get('sqs-consumer best')?.paced ?? [], (r) => r.p99Ms)}`);
  }
  out.say(`\n${describeMachineFloor(floor)}`);
  out.say('\nrequests per event by action:');
  for (const { client, full, paced } of results) out.say(`  ${client.padEnd(19)} full speed ${JSON.stringify(full.byAction)}  @50/s ${JSON.stringify(paced.byAction)}`);
  out.save({ node: process.version, date: new Date().toISOString(), machineFloor: floor, results });
}


const runIndex = process.argv.indexOf('--run');
if (runIndex >= 0) await runOne(process.argv[runIndex + 1] ?? '', process.argv[runIndex + 2] ?? '', process.argv[runIndex + 3] === 'paced');
else await main();
