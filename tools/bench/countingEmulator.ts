// fauxqs in a process of its own, counting requests by action as it answers them: no forwarding
// hop between the client and the emulator, so latency and CPU are the contender's and the
// emulator's alone. Prints its endpoint on stdout; GET reads, DELETE reads and resets the counts.
import { buildApp } from 'fauxqs';
import { COUNTS_PATH } from '@game-mesh/events/testing';

const app = buildApp({ logger: false });
const seen = new Map<string, number>();
app.addHook('preHandler', (request: { headers: Record<string, unknown>; body: unknown }, _reply: unknown, done: () => void) => {
  const target = request.headers['x-amz-target'];
  const action = typeof target === 'string' ? target.split('.').at(-1) : (request.body as { Action?: string } | undefined)?.Action;
  if (action) seen.set(action, (seen.get(action) ?? 0) + 1);
  done();
});
const counts = (reset: boolean) => {
  const answer = Object.fromEntries(seen);
  if (reset) seen.clear();
  return answer;
};
app.get(COUNTS_PATH, async () => counts(false));
app.delete(COUNTS_PATH, async () => counts(true));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(address);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
