// Tests: what the subscriber guarantees, continued: restart and stop edges, heartbeats, and poison
// the DLQ refuses to take, each with a ledger.
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { resolveTopology, Subscriber, TransportConfigError, type Logger } from '../src';
import { waitFor } from '../src/testing';
import { mesh, score, stopOpenAfterEach, topology } from './guarantees';
import { countDeliveries, Ledger } from './ledger';
import { testEvents } from './mesh';

stopOpenAfterEach();

describe('5. restart and stop edges', () => {
  it('start() after a stop() whose deadline passed hands handlers a live signal', async () => {
    // The long poll that stop() aborts may still take the released message on the broker's side
    // (a documented limit); a short visibility timeout brings it back within the test.
    const m = await mesh({ visibilityTimeoutSeconds: 2 });
    const signals: boolean[] = [];
    let block = true;
    const subscriber = m.subscriber('board', { shutdownTimeoutMs: 200 }).subscribe('score.changed', async (_e, ctx) => {
      signals.push(ctx.signal.aborted);
      if (!block) return;
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      throw new Error('aborted by shutdown');
    });
    await subscriber.start();
    await m.publisher('scorer').publish('score.changed', score(1));
    await waitFor(() => signals.length === 1 || undefined);
    await subscriber.stop(); // passes its deadline: the handler's signal aborts, the message is released
    block = false;
    await subscriber.start();
    await waitFor(() => signals.length === 2 || undefined, { timeoutMs: 10_000, message: 'the released message handled after restart' });
    await subscriber.stop();
    expect(signals).toEqual([false, false]);
  });

  it('messages a receive returns after stop() began are released at once, not handled', async () => {
    const m = await mesh(); // visibility 30 s: a message not released would stay hidden for the whole test
    const { sqs } = m.broker.clients();
    let stopping: () => void = () => undefined;
    const stopBegan = new Promise<void>((resolve) => (stopping = resolve));
    let held = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const messages = (result.output as { Messages?: unknown[] }).Messages ?? [];
        if (context.commandName === 'ReceiveMessageCommand' && messages.length > 0) {
          held += 1;
          await stopBegan; // the answer arrives, but only after stop() began
        }
        return result;
      },
      { step: 'initialize', name: 'holdReceive' },
    );
    const firstRun: string[] = [];
    const first = m.subscriber('board', {}, sqs).subscribe('score.changed', (e) => void firstRun.push(e.id));
    await first.start();
    const { id } = await m.publisher('scorer').publish('score.changed', score(1));
    await waitFor(() => held === 1 || undefined);
    const stopped = first.stop();
    stopping();
    await stopped;
    expect(firstRun).toEqual([]);

    const ledger = new Ledger();
    const second = m.subscriber('board').subscribe('score.changed', (e) => ledger.apply(e.id));
    await second.start();
    await waitFor(() => ledger.effects.size === 1 || undefined, { timeoutMs: 5_000, message: 'the released message handled by the next consumer' });
    await second.stop();
    expect(ledger.missing([id])).toEqual([]);
  });
});

describe('6. visibility timeouts the heartbeat cannot keep alive', () => {
  it('are refused when the topology is declared, and by start() on a queue made elsewhere', async () => {
    expect(() => resolveTopology(topology({ visibilityTimeoutSeconds: 1 }), { prefix: 't' })).toThrow(/visibilityTimeoutSeconds must be between 2 and 43200/);
    const m = await mesh();
    const { QueueUrl } = await m.broker.sqs.send(
      new CreateQueueCommand({
        QueueName: 'hand-made',
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:test-board-dlq', maxReceiveCount: 5 }) },
      }),
    );
    const subscriber = new Subscriber({ catalog: testEvents, sqs: m.broker.sqs, queueUrl: QueueUrl!, deadLetterQueueUrl: m.dlqUrl('board') }).subscribe('score.changed', () => undefined);
    const error = await subscriber.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportConfigError);
    expect((error as Error).message).toMatch(/VisibilityTimeout 1 s; it must be at least 2 s/);
  });

  it('a handler three times slower than a 2 s timeout keeps its message: delivered once, in any consumer', { timeout: 20_000 }, async () => {
    const m = await mesh({ visibilityTimeoutSeconds: 2 });
    const clients = [m.broker.clients().sqs, m.broker.clients().sqs];
    const deliveries = clients.map((sqs) => countDeliveries(sqs));
    const ledger = new Ledger();
    // Two consumers on the queue, as two replicas would be; each has its own (in-memory) store.
    const replicas = clients.map((sqs) =>
      m.subscriber('board', {}, sqs).subscribe('score.changed', async (e) => {
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        ledger.apply(e.id);
      }),
    );
    await Promise.all(replicas.map((r) => r.start()));
    const { id } = await m.publisher('scorer').publish('score.changed', score(1));
    await waitFor(() => ledger.effects.size === 1 || undefined, { timeoutMs: 15_000 });
    await Promise.all(replicas.map((r) => r.stop()));
    const received = deliveries.reduce((sum, d) => sum + [...d.values()].reduce((a, b) => a + b, 0), 0);
    expect(received).toBe(1);
    expect(ledger.missing([id])).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
  });
});

describe('6b. many slow handlers at once', () => {
  it('share their heartbeats: ChangeMessageVisibilityBatch requests of up to 10, each message delivered once', { timeout: 20_000 }, async () => {
    const m = await mesh({ visibilityTimeoutSeconds: 2 });
    const { sqs } = m.broker.clients();
    const deliveries = countDeliveries(sqs);
    // Every visibility change the subscriber makes, by command, with its entry count.
    const changes: { command: string; entries: number }[] = [];
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (command.startsWith('ChangeMessageVisibility')) {
          changes.push({ command, entries: (args.input as { Entries?: unknown[] }).Entries?.length ?? 1 });
        }
        return next(args);
      },
      { step: 'initialize', name: 'countVisibilityChanges' },
    );
    const publisher = m.publisher('scorer');
    const ids = (await Promise.all(Array.from({ length: 30 }, (_, i) => publisher.publish('score.changed', score(i))))).map((r) => r.id);
    const ledger = new Ledger();
    // Each handler outlasts the 2 s timeout: kept hidden by beats alone.
    const subscriber = m.subscriber('board', { concurrency: 30 }, sqs).subscribe('score.changed', async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      ledger.apply(e.id);
    });
    await subscriber.start();
    await waitFor(() => ledger.missing(ids).length === 0 || undefined, { timeoutMs: 15_000, message: 'every slow handler done' });
    await subscriber.stop();
    expect(ledger.appliedTwice()).toEqual([]);
    expect([...deliveries.values()].filter((n) => n > 1)).toEqual([]);
    // Four beats per message at least (3 s at one per ≤ 667 ms); sent ten to a request, not one.
    const beats = changes.reduce((sum, c) => sum + c.entries, 0);
    expect(beats).toBeGreaterThanOrEqual(30 * 4);
    expect(changes.every((c) => c.command === 'ChangeMessageVisibilityBatchCommand' && c.entries <= 10)).toBe(true);
    expect(changes.length).toBeLessThanOrEqual(Math.ceil(beats / 10) + 6);
  });
});

describe('7. poison the DLQ refuses to take', () => {
  it('reaches the DLQ through RedrivePolicy in seconds, its reason logged and reported once', async () => {
    const m = await mesh({ maxReceiveCount: 5 });
    const logged: { message?: string; object: object }[] = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (object, message) => void logged.push({ object, ...(message === undefined ? {} : { message }) }) };
    const deadLettered: { code: string; via: string }[] = [];
    const subscriber = m.subscriber('board', { logger, retryBaseSeconds: 30 }).subscribe('score.changed', () => undefined);
    subscriber.on('dead-lettered', ({ code, via }) => deadLettered.push({ code, via }));
    // 20 bytes short of SQS's 1 MiB: the copy with a reason attribute added does not fit.
    const body = 'y'.repeat(1_048_576 - 20);
    const { MessageId } = await m.broker.sqs.send(new SendMessageCommand({ QueueUrl: m.queueUrl('board'), MessageBody: body }));
    await subscriber.start();
    const dead = await waitFor(
      async () => {
        const out = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('board'), WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
        return out.Messages?.[0];
      },
      { timeoutMs: 10_000, message: 'the message in the DLQ' },
    );
    await subscriber.stop();
    expect(dead.MessageId).toBe(MessageId);
    expect(dead.Body?.length).toBe(body.length);
    expect(deadLettered).toEqual([{ code: 'MESSAGE_TOO_LARGE', via: 'redrive' }]);
    expect(logged.filter((l) => (l.object as { code?: string }).code === 'MESSAGE_TOO_LARGE')).toHaveLength(1);
    const { Attributes } = await m.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: m.queueUrl('board'), AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Attributes?.['ApproximateNumberOfMessages']).toBe('0');
  });
});
