// Tests: delivery guarantees.
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTopology, InMemoryIdempotencyStore, Subscriber } from '../src';
import { countRequests, waitFor } from '../src/testing';
import { startMesh, testEvents, testTopology, type Mesh, type TestEvents } from './mesh';

const score = (points: number) => ({ playerId: 'ada', points, bonus: false });

describe('delivery guarantees', () => {
  let mesh: Mesh<TestEvents>;
  beforeEach(async () => {
    mesh = await startMesh(testTopology);
  });
  afterEach(() => mesh.stop());

  it('handles the same event id once when SQS delivers it twice', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: score(5) });
    const calls: string[] = [];
    let duplicates = 0;
    const subscriber = mesh.subscriber('board').subscribe('score.changed', (e) => void calls.push(e.id)).subscribe('match.ended', () => undefined);
    subscriber.on('duplicate', () => (duplicates += 1));
    await subscriber.start();
    await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: mesh.queueUrl('board'), MessageBody: body }));
    await waitFor(() => calls.length === 1 || undefined);
    await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: mesh.queueUrl('board'), MessageBody: body }));
    await waitFor(() => duplicates === 1 || undefined);
    expect(calls).toEqual([id]);
    await subscriber.stop();
    const depth = await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: mesh.queueUrl('board'), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(depth.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('asks ReceiveMessage for the attributes it reads and no others (AWS returns none unless asked)', async () => {
    const { sqs } = mesh.broker.clients();
    const requests = countRequests(sqs);
    const subscriber = mesh.subscriber('board', {}, sqs).subscribe('score.changed', () => undefined);
    await subscriber.start();
    await waitFor(() => requests.count('ReceiveMessageCommand') > 0 || undefined);
    await subscriber.stop();
    expect(requests.inputs('ReceiveMessageCommand')[0]).toMatchObject({
      MessageAttributeNames: ['traceparent'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      WaitTimeSeconds: 1,
      MaxNumberOfMessages: 10,
    });
  });

  it('adds long polls while there is a backlog, and goes back to one when the queue is idle', async () => {
    const publisher = mesh.publisher('scorer');
    await Promise.all(Array.from({ length: 300 }, (_, i) => publisher.publish('score.changed', score(i))));
    const { sqs } = mesh.broker.clients();
    let open = 0;
    let most = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'ReceiveMessageCommand') return next(args);
        open += 1;
        most = Math.max(most, open);
        try {
          return await next(args);
        } finally {
          open -= 1;
        }
      },
      { step: 'initialize', name: 'openReceives' },
    );
    let handled = 0;
    const subscriber = mesh.subscriber('board', { pollers: 4, concurrency: 100, waitTimeSeconds: 2 }, sqs).subscribe('score.changed', () => void (handled += 1));
    await subscriber.start();
    await waitFor(() => handled === 300 || undefined);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    await waitFor(() => open === 1 || undefined, { message: 'one long poll left on the idle queue' });
    await subscriber.stop();
  });

  it('stop() aborts a 20 s long poll at once', async () => {
    const subscriber = mesh.subscriber('board', { waitTimeSeconds: 20 }).subscribe('score.changed', () => undefined);
    await subscriber.start();
    const outcome = await Promise.race([
      subscriber.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still polling'), 5_000).unref()),
    ]);
    expect(outcome).toBe('stopped');
  });

  it('stop() under load loses nothing: finished work is deleted, unfinished work comes back', async () => {
    // Long polls that stop() aborts may already have taken messages on the broker's side: those
    // come back after the visibility timeout, short here so the test need not wait 30 s.
    const quick = await startMesh(defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], visibilityTimeoutSeconds: 3 } } } }));
    try {
      await stopUnderLoad(quick);
    } finally {
      await quick.stop();
    }
  });

  async function stopUnderLoad(mesh: Mesh<TestEvents>): Promise<void> {
    const publisher = mesh.publisher('scorer');
    const store = new InMemoryIdempotencyStore();
    const handled = new Map<string, number>();
    let sevenStarted = false;
    const handlerFor = (blockSeven: boolean) => async (e: { id: string; data: { points: number } }, ctx: { signal: AbortSignal }) => {
      if (blockSeven && e.data.points === 7) {
        // This handler outlives the first subscriber's shutdown deadline.
        sevenStarted = true;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        throw new Error('aborted by shutdown');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      handled.set(e.id, (handled.get(e.id) ?? 0) + 1);
    };
    const first = mesh.subscriber('board', { idempotencyStore: store, shutdownTimeoutMs: 300 }).subscribe('score.changed', handlerFor(true));
    await first.start();
    const published = await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish('score.changed', score(i))));
    await waitFor(() => (handled.size >= 40 && sevenStarted) || undefined);
    await first.stop();
    expect(handled.size).toBeLessThan(200);

    const second = mesh.subscriber('board', { idempotencyStore: store }).subscribe('score.changed', handlerFor(false));
    await second.start();
    await waitFor(() => handled.size === 200 || undefined, { timeoutMs: 15_000, message: 'every event handled' });
    await second.stop();
    expect([...handled.keys()].sort()).toEqual(published.map((p) => p.id).sort());
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
  }

  it('reads older versions through the upcaster and refuses versions it cannot read', async () => {
    const publisher = mesh.publisher('scorer');
    const board: unknown[] = [];
    const stats: unknown[] = [];
    const deadLettered: string[] = [];
    const boardSubscriber = mesh.subscriber('board').subscribe('score.changed', (e) => void board.push(e.data));
    const statsSubscriber = new Subscriber({ catalog: testEvents, sqs: mesh.broker.sqs, queueUrl: mesh.queueUrl('stats'), waitTimeSeconds: 1 })
      .subscribe('score.changed', (e) => void stats.push(e.data), { version: 1 });
    statsSubscriber.on('dead-lettered', ({ code }) => deadLettered.push(code));
    await Promise.all([boardSubscriber.start(), statsSubscriber.start()]);
    await publisher.publishVersion('score.changed', 1, { player: 'old', points: 2 });
    await publisher.publish('score.changed', { playerId: 'new', points: 3, bonus: true });
    await waitFor(() => board.length === 2 && stats.length + deadLettered.length === 2 || undefined);
    await Promise.all([boardSubscriber.stop(), statsSubscriber.stop()]);
    expect(board).toContainEqual({ playerId: 'old', points: 2, bonus: false });
    expect(board).toContainEqual({ playerId: 'new', points: 3, bonus: true });
    expect(stats).toEqual([{ player: 'old', points: 2 }]);
    expect(deadLettered).toEqual(['VERSION_NOT_READABLE']);
  });

  it('reads the SNS JSON envelope when raw delivery is off', async () => {
    const { QueueUrl } = await mesh.broker.sqs.send(new CreateQueueCommand({ QueueName: 'test-enveloped-dlq' }));
    const dlqArn = (await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    const queue = await mesh.broker.sqs.send(
      new CreateQueueCommand({ QueueName: 'test-enveloped', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) } }),
    );
    const queueArn = (await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    await mesh.broker.sns.send(new SubscribeCommand({ TopicArn: mesh.report.topicArns['scores'], Protocol: 'sqs', Endpoint: queueArn }));
    const seen: { id: string; traceparent: string | undefined }[] = [];
    const subscriber = new Subscriber({ catalog: testEvents, sqs: mesh.broker.sqs, queueUrl: queue.QueueUrl!, waitTimeSeconds: 1 })
      .subscribe('score.changed', (e, ctx) => void seen.push({ id: e.id, traceparent: ctx.traceparent }));
    await subscriber.start();
    const { id } = await mesh.publisher('scorer').publish('score.changed', score(9), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await waitFor(() => seen.length === 1 || undefined);
    await subscriber.stop();
    expect(seen).toEqual([{ id, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }]);
  });
});
