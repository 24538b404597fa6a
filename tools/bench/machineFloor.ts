// What this machine itself costs at the bench's low rate, before any SDK, emulator or library:
// a bare loopback round trip between two processes, and the same CPU work right after idling.
// `npm run bench` prints it beside the 50/s targets; `tsx tools/bench/machineFloor.ts` alone.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile, round, startUntilFirstLine } from './processes';

export interface MachineFloor {
  /** Round trip of 1.5 KB each way to an echo server in another process, in ms. */
  roundTripMs: { backToBack: Percentiles; at50PerSecond: Percentiles };
  /** The same small piece of CPU work 20 ms after the last one, against back to back. */
  idleSlowdown: { p50: number; p90: number };
}
interface Percentiles {
  p50: number;
  p99: number;
}

const ECHO_SERVER = `
const net = require('node:net');
const server = net.createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const SAMPLES = 500;
const GAP_MS = 20; // 50 per second, the bench's paced rate

export async function measureMachineFloor(): Promise<MachineFloor> {
  const server = await startUntilFirstLine(['-e', ECHO_SERVER]);
  try {
    const port = Number(server.line);
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    await roundTrips(socket, 0); // warm-up
    const backToBack = await roundTrips(socket, 0);
    const at50PerSecond = await roundTrips(socket, GAP_MS);
    socket.destroy();
    return { roundTripMs: { backToBack, at50PerSecond }, idleSlowdown: await idleSlowdown() };
  } finally {
    server.stop();
  }
}

async function roundTrips(socket: Socket, gapMs: number): Promise<Percentiles> {
  const payload = Buffer.alloc(1500, 97);
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const started = performance.now();
    // An echo of 1.5 KB can arrive in pieces: wait for all of it.
    await new Promise<void>((resolve) => {
      let received = 0;
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received >= payload.length) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(payload);
    });
    times.push(performance.now() - started);
    if (gapMs > 0) await sleep(gapMs);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** A few µs of the kind of work a publish does (ids, dates, JSON), timed back to back and after idling. */
async function idleSlowdown(): Promise<{ p50: number; p90: number }> {
  const work = () => {
    let length = 0;
    for (let i = 0; i < 20; i += 1) length += JSON.stringify({ id: crypto.randomUUID(), time: new Date().toISOString(), data: { i, text: 'x'.repeat(20) } }).length;
    return length;
  };
  for (let i = 0; i < 20_000; i += 1) work();
  const timed = async (gapMs: number) => {
    const times: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const started = performance.now();
      work();
      times.push(performance.now() - started);
      if (gapMs > 0) await sleep(gapMs);
      else if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return times;
  };
  const busy = await timed(0);
  const idle = await timed(GAP_MS);
  return { p50: ratio(quantile(idle, 0.5), quantile(busy, 0.5)), p90: ratio(quantile(idle, 0.9), quantile(busy, 0.9)) };
}

const quantile = (values: number[], q: number) => round(percentile([...values].sort((a, b) => a - b), q), 2);
const ratio = (a: number, b: number) => round(a / b);

export function describeMachineFloor(floor: MachineFloor): string {
  const { backToBack, at50PerSecond } = floor.roundTripMs;
  return [
    `this machine, before any SDK or emulator: a loopback round trip between two processes (1.5 KB each way)`,
    `  back to back p50 ${backToBack.p50} / p99 ${backToBack.p99} ms; at 50/s p50 ${at50PerSecond.p50} / p99 ${at50PerSecond.p99} ms`,
    `  the same CPU work 20 ms after the last takes ${floor.idleSlowdown.p50}× as long at p50 (${floor.idleSlowdown.p90}× at p90) as back to back`,
    `  an event at 50/s crosses at least one such round trip, with the SDK's and the emulator's work on both sides`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('machineFloor.ts')) {
  const floor = await measureMachineFloor();
  console.log(describeMachineFloor(floor));
  console.log(JSON.stringify(floor));
}
