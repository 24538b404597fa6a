// Tests: ordered event types: FIFO topics and queues keep each message group in order across
// publishers, pollers and consumers, a publish repeated in the window arrives once, and poison in a
// group goes to the FIFO DLQ while the group's later events are handled.
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEAD_LETTER_REASON_ATTRIBUTE, defineCatalog, defineEventType, defineEventVersion, defineTopology, PermanentError, resolveTopology } from '../src';
import { waitFor } from '../src/testing';
import { startMesh, type Mesh } from './mesh';

const walletCatalog = defineCatalog({
  'wallet.changed': defineEventType({
    description: 'A player\'s balance moved by delta; seq counts each player\'s changes from 1.',
    producer: 'bank',
    topic: 'bank',
    current: 1,
    ordering: { groupBy: 'playerId' },
    versions: { 1: defineEventVersion({ schema: z.object({ playerId: z.string(), seq: z.int(), delta: z.int() }), examples: [{ playerId: 'p1', seq: 1, delta: 5 }] }) },
  }),
});
type Wallet = typeof walletCatalog;
const topology = defineTopology({ catalog: walletCatalog, consumers: { ledger: { main: { subscriptions: [{ type: 'wallet.changed' }], maxReceiveCount: 50 } } } });

let open: Mesh<Wallet> | undefined;
afterEach(async () => {
  await open?.stop();
  open = undefined;
});

describe('an ordered event type', () => {
  it('gets a FIFO topic, and its readers a FIFO queue with a FIFO DLQ', () => {
    const resolved = resolveTopology(topology, { prefix: 'prod' });
    expect(resolved.topics).toEqual([{ key: 'bank', name: 'prod-bank.fifo', producer: 'bank', fifo: true }]);
    expect(resolved.queues[0]).toMatchObject({ name: 'prod-ledger.fifo', deadLetterQueueName: 'prod-ledger-dlq.fifo', fifo: true });
  });

  it('is handled in order per player and once, across four publishers, two consumers and failing handlers, and the balances equal a sequential replay', { timeout: 120_000 }, async () => {
    const m = (open = await startMesh(topology));
    const players = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const operations = 40;
    const delta = (player: number, seq: number) => ((player * 7 + seq * 13) % 21) - 10;
    const applied = new Map<string, { seq: number; balance: number }>();
    const violations: string[] = [];
    let handled = 0;
    const handler = (event: { data: { playerId: string; seq: number; delta: number } }) => {
      // One in ten attempts fails: the group's later events must wait for its retry.
      if (Math.random() < 0.1) throw new Error('transient');
      const state = applied.get(event.data.playerId) ?? { seq: 0, balance: 0 };
      if (event.data.seq !== state.seq + 1) violations.push(`${event.data.playerId}: ${event.data.seq} after ${state.seq}`);
      applied.set(event.data.playerId, { seq: event.data.seq, balance: state.balance + event.data.delta });
      handled += 1;
    };
    const consumers = [m.subscriber('ledger', { concurrency: 10 }), m.subscriber('ledger', { concurrency: 10 })];
    for (const consumer of consumers) consumer.subscribe('wallet.changed', handler);
    await Promise.all(consumers.map((c) => c.start()));
    const publishers = Array.from({ length: 4 }, () => m.publisher('bank'));
    // Each player's changes come from one publisher, in order; the four publish side by side.
    await Promise.all(
      publishers.map(async (publisher, p) => {
        const sent: Promise<unknown>[] = [];
        for (let seq = 1; seq <= operations; seq += 1) {
          for (const [i, playerId] of players.entries()) if (i % 4 === p) sent.push(publisher.publish('wallet.changed', { playerId, seq, delta: delta(i, seq) }));
        }
        await Promise.all(sent);
      }),
    );
    await waitFor(() => handled >= players.length * operations || undefined, { timeoutMs: 100_000, intervalMs: 50, message: `${players.length * operations} changes applied` });
    expect(violations).toEqual([]);
    expect(handled).toBe(players.length * operations);
    for (const [i, playerId] of players.entries()) {
      const replay = Array.from({ length: operations }, (_, k) => delta(i, k + 1)).reduce((a, b) => a + b, 0);
      expect(applied.get(playerId), playerId).toEqual({ seq: operations, balance: replay });
    }
  });

  it('arrives once when the same event is published twice within the window, with no idempotency store in the way', async () => {
    const m = (open = await startMesh(topology));
    const publisher = m.publisher('bank');
    const id = randomUUID();
    // A retry after a timeout: the same event, published again.
    await publisher.publish('wallet.changed', { playerId: 'ada', seq: 1, delta: 5 }, { id });
    await publisher.publish('wallet.changed', { playerId: 'ada', seq: 1, delta: 5 }, { id });
    await publisher.publish('wallet.changed', { playerId: 'ada', seq: 2, delta: 1 });
    // Read the queue itself: in a group, the marker (seq 2) comes after every copy of seq 1.
    const ids: string[] = [];
    await waitFor(async () => {
      const out = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.queueUrl('ledger'), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['MessageGroupId'] }));
      for (const message of out.Messages ?? []) {
        const body = JSON.parse(message.Body ?? '{}') as { id: string; data: { seq: number } };
        ids.push(body.id);
        await m.broker.sqs.send(new DeleteMessageCommand({ QueueUrl: m.queueUrl('ledger'), ReceiptHandle: message.ReceiptHandle }));
      }
      return ids.length >= 2 || undefined;
    }, { message: 'the event and the marker' });
    expect(ids.filter((received) => received === id)).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  it('sends poison in a group to the FIFO DLQ with its reason, then handles the group\'s later events', async () => {
    const m = (open = await startMesh(topology));
    const seen: number[] = [];
    const subscriber = m.subscriber('ledger').subscribe('wallet.changed', (event) => {
      if (event.data.seq === 2) throw new PermanentError(`wallet of ${event.data.playerId} is closed`);
      seen.push(event.data.seq);
    });
    await subscriber.start();
    const publisher = m.publisher('bank');
    for (const seq of [1, 2, 3, 4]) await publisher.publish('wallet.changed', { playerId: 'ada', seq, delta: seq });
    await waitFor(() => seen.length >= 3 || undefined, { message: 'the group\'s other events' });
    expect(seen).toEqual([1, 3, 4]);
    const dead: Message[] = [];
    await waitFor(async () => {
      const out = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('ledger'), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
      dead.push(...(out.Messages ?? []));
      return dead.length >= 1 || undefined;
    }, { message: 'the poison in the FIFO DLQ' });
    expect(m.dlqUrl('ledger')).toMatch(/\.fifo$/);
    expect(dead[0]?.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('HANDLER_REJECTED: wallet of ada is closed');
    expect((JSON.parse(dead[0]?.Body ?? '{}') as { data: { seq: number } }).data.seq).toBe(2);
  });
});
