// fauxqs in a process of its own, counting requests by action as it answers them: no forwarding
// hop between the client and the emulator, so latency and CPU are the contender's and the
// emulator's alone. Prints its endpoint on stdout; GET reads, DELETE reads and resets the counts.
import { buildApp } from 'fauxqs';
import { COUNTS_PATH } from '@game-mesh/events/testing';
import { BILLED_SNS } from './processes';

const app = buildApp({ logger: false });
const seen = new Map<string, number>();
/**
 * What SNS bills: each published message, in a Publish or inside a PublishBatch, as one request per
 * started 64 KiB (a batch's entries are billed one by one). Reported as BILLED_SNS, not as a request.
 */
const billedOf = (body: Record<string, unknown>): number =>
  Object.entries(body).reduce((sum, [key, value]) => (typeof value === 'string' && (key === 'Message' || key.endsWith('.Message')) ? sum + Math.max(1, Math.ceil(Buffer.byteLength(value, 'utf8') / 65_536)) : sum), 0);
app.addHook('preHandler', (request: { headers: Record<string, unknown>; body: unknown }, _reply: unknown, done: () => void) => {
  const target = request.headers['x-amz-target'];
  const action = typeof target === 'string' ? target.split('.').at(-1) : (request.body as { Action?: string } | undefined)?.Action;
  if (action) seen.set(action, (seen.get(action) ?? 0) + 1);
  if (action === 'Publish' || action === 'PublishBatch') seen.set(BILLED_SNS, (seen.get(BILLED_SNS) ?? 0) + billedOf(request.body as Record<string, unknown>));
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
