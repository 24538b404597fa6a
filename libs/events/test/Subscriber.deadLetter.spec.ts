// Tests: messages that can never be handled go to the DLQ with their reason.
import { ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASON_ATTRIBUTE, type DeadLetterCode } from '../src';
import { waitFor } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';
import { testEvents } from './testEvents';

const envelope = (type: string, version: number, data: unknown, id: string = randomUUID()) => ({
  specversion: '1.0',
  id,
  type,
  version,
  // The type's producer: consumers refuse any other source.
  source: (testEvents as Record<string, { producer: string } | undefined>)[type]?.producer ?? 'scorer',
  time: new Date().toISOString(),
  correlationId: id,
  data,
});

describe('messages that can never be handled go to the DLQ with their reason', () => {
  let mesh: Mesh<TestEvents>;
  beforeEach(async () => {
    mesh = await startMesh(testTopology);
  });
  afterEach(() => mesh.stop());

  async function readDeadLetters(service: string, expected: number): Promise<Message[]> {
    const all: Message[] = [];
    await waitFor(
      async () => {
        const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: mesh.dlqUrl(service), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
        all.push(...(out.Messages ?? []));
        return all.length >= expected || undefined;
      },
      { message: `${expected} dead letters` },
    );
    return all;
  }

  it('parks poison in the DLQ promptly while the healthy messages of the same batch are handled', async () => {
    const good = [envelope('score.changed', 2, { playerId: 'a', points: 1, bonus: false }), envelope('match.ended', 1, { matchId: 'm', winner: 'a' })];
    const poison: [string, DeadLetterCode][] = [
      ['{not json', 'MALFORMED_JSON'],
      [JSON.stringify(envelope('score.changed', 2, { playerId: 'a', points: 'many', bonus: false })), 'EVENT_DATA_INVALID'],
      [JSON.stringify(envelope('weather.exploded', 1, {})), 'UNKNOWN_EVENT_TYPE'],
      [JSON.stringify(envelope('score.changed', 9, {})), 'UNKNOWN_EVENT_VERSION'],
      [JSON.stringify({ hello: 'world' }), 'INVALID_ENVELOPE'],
      // SQS bodies may hold only valid XML characters; this is what binary data looks like once decoded.
      [Buffer.from([0xde, 0xad, 0xbe, 0xef, 0xff, 0x7f]).toString('latin1'), 'MALFORMED_JSON'],
    ];
    const bodies = [...good.map((g) => JSON.stringify(g)), ...poison.map(([body]) => body)];
    // One SendMessageBatch so that good and bad arrive in the same receive.
    const sent = await mesh.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: mesh.queueUrl('board'), Entries: bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: body })) }));
    expect(sent.Failed ?? []).toEqual([]);

    const handled: string[] = [];
    const deadLettered: DeadLetterCode[] = [];
    const subscriber = mesh.subscriber('board')
      .subscribe('score.changed', (e) => void handled.push(e.id))
      .subscribe('match.ended', (e) => void handled.push(e.id));
    subscriber.on('dead-lettered', ({ code }) => deadLettered.push(code));
    await subscriber.start();

    const dead = await readDeadLetters('board', poison.length);
    await waitFor(() => handled.length === good.length || undefined);
    expect(handled.sort()).toEqual(good.map((g) => g.id).sort());
    expect(deadLettered.sort()).toEqual(poison.map(([, code]) => code).sort());
    const reasons = dead.map((m) => m.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue ?? '');
    expect(reasons.some((r) => /^EVENT_DATA_INVALID: .*points: Invalid input: expected number/.test(r))).toBe(true);
    expect(reasons.some((r) => r.startsWith('UNKNOWN_EVENT_TYPE: Unknown event type "weather.exploded"'))).toBe(true);
    // The original body is kept for inspection and redrive.
    expect(dead.map((m) => m.Body).sort()).toEqual(poison.map(([body]) => body).sort());
    await subscriber.stop();
  });

  it('retries a failing handler with backoff, then dead-letters it after maxReceiveCount', async () => {
    const publisher = mesh.publisher('scorer');
    const attempts: number[] = [];
    const retried: number[] = [];
    const subscriber = mesh.subscriber('board').subscribe('score.changed', (_e, ctx) => {
      attempts.push(ctx.receiveCount);
      throw new Error('database unavailable');
    }).subscribe('match.ended', () => undefined);
    subscriber.on('retried', ({ receiveCount }) => retried.push(receiveCount));
    await subscriber.start();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { id } = await publisher.publish('score.changed', { playerId: 'a', points: 1, bonus: false }, { traceparent });
    const [dead] = await readDeadLetters('board', 1);
    expect(attempts).toEqual([1, 2, 3]); // maxReceiveCount is 3 in the test topology
    expect(retried).toEqual([1, 2]);
    expect(JSON.parse(dead!.Body!)).toMatchObject({ id });
    expect(dead!.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('HANDLER_FAILED: Handler failed 3 times: database unavailable');
    // The copy keeps what was received with it: the trace context, to follow the event into the DLQ.
    expect(dead!.MessageAttributes?.['traceparent']?.StringValue).toBe(traceparent);
    await subscriber.stop();
  });

  it('dead-letters a type the queue receives but no handler is registered for', async () => {
    const publisher = mesh.publisher('referee');
    const subscriber = mesh.subscriber('board').subscribe('score.changed', () => undefined);
    await subscriber.start();
    await publisher.publish('match.ended', { matchId: 'm', winner: 'w' });
    const [dead] = await readDeadLetters('board', 1);
    expect(dead!.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toMatch(/^NO_HANDLER: No handler for match.ended/);
    await subscriber.stop();
  });
});
