// `npm run bench:profile [contender…]`: where each contender's CPU goes in `npm run bench`'s warm
// phase (20,000 events after 5,000 of warm-up), per event, by who spends it: the AWS SDK and Node's
// HTTP, our transport, zod, the peer library, the bench's own load, garbage collection. Default:
// ours, ours batch and the peer. A V8 CPU profile of the phase alone, in the contender's process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOutput } from './results';
import { round, startCountingEmulator } from './processes';

interface ProfileNode { id: number; callFrame: { url: string; functionName: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Who a stack's time belongs to: its innermost frame with a URL decides, natives count for their caller. */
const CATEGORIES: [string, RegExp][] = [
  ['AWS SDK, signing, HTTP', /@aws-sdk|@smithy|fast-xml-parser|node:_http|node:http|node:net|node:internal\/crypto|node:crypto|node:internal\/streams|node:stream|stream_base_commons|node:internal\/url|node:url|node:buffer|node:internal\/abort_controller|node:internal\/event_target/],
  ['zod (validation)', /[\\/]zod[\\/]/],
  ['libs/events: contract (envelopes)', /libs\/events\/src\/contract/],
  ['libs/events: transport', /libs\/events\/src/],
  ['peer library (sqs-consumer)', /sqs-consumer/],
  ['bench load (JSON, ids, ledger)', /tools\/bench/],
];
const GC = '(garbage collector)';

/** The transport's own functions (with what they call outside any category's files, such as JSON.parse), by time. */
const functions = new Map<string, Map<string, number>>();

function categorize(profile: Profile, contender: string): Map<string, number> {
  const mine = new Map<string, number>();
  functions.set(contender, mine);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(id)!;
    let category: string | undefined = leaf.callFrame.functionName === GC ? 'garbage collection' : leaf.callFrame.functionName === '(idle)' ? 'idle' : undefined;
    for (let cur: number | undefined = id; category === undefined && cur !== undefined; cur = parent.get(cur)) {
      const { url, functionName } = byId.get(cur)!.callFrame;
      if (url) category = CATEGORIES.find(([, pattern]) => pattern.test(url))?.[0] ?? 'Node and V8, other';
      if (category === 'libs/events: transport') {
        const name = `${functionName || '(anonymous)'} (${url.replace(/^.*libs\/events\/src\//, '')})`;
        mine.set(name, (mine.get(name) ?? 0) + dt);
      }
    }
    category ??= 'Node and V8, other';
    totals.set(category, (totals.get(category) ?? 0) + dt);
  });
  return totals;
}

const contenders = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['ours', 'ours batch', 'sqs-consumer best'];
const events = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const emulator = await startCountingEmulator();
const folder = mkdtempSync(join(tmpdir(), 'bench-profile-'));
const rows = new Map<string, Map<string, number>>();
try {
  for (const contender of contenders) {
    const file = join(folder, `${contender.replaceAll(' ', '-')}.cpuprofile`);
    const child = spawn(process.execPath, ['node_modules/.bin/tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/bench/transport.ts', '--run', contender, emulator.endpoint, 'warm'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BENCH_PROFILE: file } });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${contender} exited with ${code}`);
    rows.set(contender, categorize(JSON.parse(readFileSync(file, 'utf8')) as Profile, contender));
  }
} finally {
  emulator.stop();
  rmSync(folder, { recursive: true, force: true });
}

const out = benchOutput('bench-profile');
out.say(`CPU per event (µs) in the warm phase of npm run bench (${events} events), by who spends it; V8's sampling profiler, in each contender's process\n`);
const categories = [...CATEGORIES.map(([name]) => name), 'garbage collection', 'Node and V8, other'];
const perEvent = (contender: string, category: string) => round((rows.get(contender)?.get(category) ?? 0) / events, 1);
const busy = (contender: string) => round([...(rows.get(contender) ?? new Map<string, number>())].filter(([c]) => c !== 'idle').reduce((sum, [, t]) => sum + t, 0) / events, 1);
const width = Math.max(...categories.map((c) => c.length));
out.say(`${''.padEnd(width)}  ${contenders.map((c) => c.padStart(18)).join('')}`);
for (const category of categories) out.say(`${category.padEnd(width)}  ${contenders.map((c) => String(perEvent(c, category)).padStart(18)).join('')}`);
out.say(`${'busy, all'.padEnd(width)}  ${contenders.map((c) => String(busy(c)).padStart(18)).join('')}`);
for (const [contender, mine] of functions) {
  if (mine.size === 0) continue;
  out.say(`\n${contender}: the transport's functions, µs per event`);
  for (const [name, time] of [...mine].sort((a, b) => b[1] - a[1]).slice(0, 12)) out.say(`  ${String(round(time / events, 2)).padStart(6)}  ${name}`);
}
out.save({ node: process.version, date: new Date().toISOString(), events, microsecondsPerEvent: Object.fromEntries(contenders.map((c) => [c, Object.fromEntries(categories.map((k) => [k, perEvent(c, k)]))])) });
