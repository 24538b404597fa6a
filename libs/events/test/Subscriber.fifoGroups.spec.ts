// Tests: what a FIFO subscriber does with a receive that holds several messages of one group, as
// AWS returns them (in order, one group's run of messages in one receive). fauxqs hands out one
// message per group at a time, so this receive cannot come from it: an SQS client answers with the
// documented response shapes here, and the test checks our dispatch, not SQS.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, defineEventType, defineEventVersion, Subscriber } from '../src';
import { waitFor } from '../src/testing';

const catalog = defineCatalog({
  'wallet.changed': defineEventType({
    description: 'd',
    producer: 'bank',
    topic: 'bank',
    current: 1,
    ordering: { groupBy: 'playerId' },
    versions: { 1: defineEventVersion({ schema: z.object({ playerId: z.string(), seq: z.int() }), examples: [{ playerId: 'p', seq: 1 }] }) },
  }),
});
const queueUrl = 'http://sqs.local/000000000000/ledger.fifo';
const message = (group: string, seq: number) => {
  const id = `00000000-0000-4000-8000-${String(seq).padStart(6, '0')}${group.padStart(6, '0')}`;
  const body = { specversion: '1.0', id, type: 'wallet.changed', version: 1, source: 'bank', time: new Date().toISOString(), correlationId: id, data: { playerId: group, seq } };
  return { MessageId: `m-${group}-${seq}`, ReceiptHandle: `r-${group}-${seq}`, Body: JSON.stringify(body), Attributes: { ApproximateReceiveCount: '1', MessageGroupId: group } };
};

/** An SQS client answering one receive with `batch`, then nothing; it records visibility changes and deletes. */
function fifoQueue(batch: ReturnType<typeof message>[]) {
  const released: string[] = [];
  const deleted: string[] = [];
  let served = false;
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      switch (command.constructor.name) {
        case 'GetQueueAttributesCommand':
          return { Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:ledger.fifo', VisibilityTimeout: '30', FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:ledger-dlq.fifo', maxReceiveCount: 5 }) } };
        case 'ReceiveMessageCommand': {
          if (served) await new Promise((resolve) => setTimeout(resolve, 20));
          const messages = served ? [] : batch;
          served = true;
          return { Messages: messages };
        }
        case 'DeleteMessageBatchCommand':
          deleted.push(...(command.input['Entries'] as { ReceiptHandle: string }[]).map((e) => e.ReceiptHandle));
          return { Successful: (command.input['Entries'] as { Id: string }[]).map((e) => ({ Id: e.Id })), Failed: [] };
        case 'ChangeMessageVisibilityCommand':
          released.push(command.input['ReceiptHandle'] as string);
          return {};
        case 'ChangeMessageVisibilityBatchCommand':
          released.push(...(command.input['Entries'] as { ReceiptHandle: string }[]).map((e) => e.ReceiptHandle));
          return { Successful: (command.input['Entries'] as { Id: string }[]).map((e) => ({ Id: e.Id })), Failed: [] };
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  };
  return { sqs: client as unknown as SQSClient, released, deleted };
}

describe('a FIFO receive with several messages of one group', () => {
  it('runs them one at a time in order, while another group runs beside them', async () => {
    const queue = fifoQueue([message('a', 1), message('a', 2), message('b', 1), message('a', 3)]);
    const log: string[] = [];
    const subscriber = new Subscriber({ catalog, sqs: queue.sqs, queueUrl, deadLetterQueueUrl: 'http://sqs.local/000000000000/ledger-dlq.fifo', waitTimeSeconds: 0 }).subscribe('wallet.changed', async (event) => {
      log.push(`start ${event.data.playerId}${event.data.seq}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      log.push(`end ${event.data.playerId}${event.data.seq}`);
    });
    await subscriber.start();
    await waitFor(() => queue.deleted.length >= 4 || undefined, { message: 'four deletes' });
    await subscriber.stop();
    const a = log.filter((line) => line.endsWith('a1') || line.endsWith('a2') || line.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // b1 ran beside a1: groups do not wait for each other.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('releases the group\'s later messages unhandled when one fails, so they come back after its retry', async () => {
    const queue = fifoQueue([message('a', 1), message('a', 2), message('a', 3)]);
    const handled: number[] = [];
    const subscriber = new Subscriber({ catalog, sqs: queue.sqs, queueUrl, deadLetterQueueUrl: 'http://sqs.local/000000000000/ledger-dlq.fifo', waitTimeSeconds: 0, retryBaseSeconds: 0 }).subscribe('wallet.changed', (event) => {
      if (event.data.seq === 1) throw new Error('transient');
      handled.push(event.data.seq);
    });
    await subscriber.start();
    await waitFor(() => queue.released.length >= 3 || undefined, { message: 'the failed message retried and the rest released' });
    await subscriber.stop();
    expect(handled).toEqual([]);
    expect(queue.released.sort()).toEqual(['r-a-1', 'r-a-2', 'r-a-3']);
    expect(queue.deleted).toEqual([]);
  });
});
