import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, defineTopology, PublishTimeoutError, resolveTopology, Subscriber, TransportConfigError, type Logger } from '../src';
import { startFaultProxy, waitFor, type FaultProxy } from '../src/testing';
import { countDeliveries, Ledger, queueCounts } from './ledger';
import { startMesh, testEvents, type Mesh, type TestEvents } from './mesh';

// Each case below is a promise of the README's guarantees section, checked with a ledger: ids
// published against ids handled, dead-lettered or still queued.

const score = (points: number) => ({ playerId: 'ada', points, bonus: false });
const envelopeBody = (id = randomUUID()) =>
  JSON.stringify({ specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: score(1) });

function topology(queue: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}) {
  return defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], ...queue } } } });
}

const open: { mesh?: Mesh<TestEvents>; proxy?: FaultProxy } = {};
async function mesh(queue: Parameters<typeof topology>[0] = {}): Promise<Mesh<TestEvents>> {
  open.mesh = await startMesh(topology(queue));
  return open.mesh;
}
afterEach(async () => {
  await open.proxy?.stop();
  await open.mesh?.stop();
  delete open.proxy;
  delete open.mesh;
});

describe('1. a redelivered copy of a message still being handled', () => {
  it('is never deleted; the retry and the final delete use the newest receipt handle', { timeout: 30_000 }, async () => {
    const m = await mesh({ visibilityTimeoutSeconds: 2 });
    const proxy = (open.proxy = await startFaultProxy(m.broker.endpoint));
    const { sqs } = m.clientsVia(proxy.endpoint);
    const deliveries = countDeliveries(sqs);
    const ledger = new Ledger();
    let attempts = 0;
    let duplicates = 0;
    let retried = 0;
    const subscriber = m.subscriber('board', {}, sqs).subscribe('score.changed', async (e, ctx) => {
      attempts += 1;
      if (attempts > 1) return ledger.apply(e.id);
      // The heartbeat fails (broker 5xx) until SQS hands the same message out again...
      proxy.set({ errorRate: 1, errorStatus: 503, actions: /^ChangeMessageVisibilityBatch$/ });
      await waitFor(() => (deliveries.get(ctx.messageId) ?? 0) >= 2 || undefined, { timeoutMs: 10_000, message: 'the message delivered again' });
      proxy.set({});
      // ...and then this first run fails: the event must still be retried, not lost.
      throw new Error('first attempt failed');
    });
    subscriber.on('duplicate', () => (duplicates += 1));
    subscriber.on('retried', () => (retried += 1));
    await subscriber.start();
    const { id } = await m.publisher('scorer').publish('score.changed', score(1));
    await waitFor(() => ledger.effects.size === 1 || undefined, { timeoutMs: 15_000, message: 'the event handled after its retry' });
    await subscriber.stop();
    expect(ledger.missing([id])).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    // Deleted with the newest handle: nothing left held, and it never came back as a duplicate.
    expect(await queueCounts(m.broker.sqs, m.queueUrl('board'))).toEqual({ visible: 0, inFlight: 0 });
    expect(duplicates).toBe(0);
    // The retry's ChangeMessageVisibility was accepted: the handle of the first copy would not be.
    expect(retried).toBe(1);
  });
});

describe('2. the same event in two messages of one receive', () => {
  it('runs the handler once: the check and the claim are one step', async () => {
    const m = await mesh();
    const ledger = new Ledger();
    const subscriber = m.subscriber('board').subscribe('score.changed', async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ledger.apply(e.id);
    });
    const ids = Array.from({ length: 5 }, () => randomUUID());
    // Each event twice in one SendMessageBatch, so both copies come in the same receive.
    const entries = ids.flatMap((id, i) => [0, 1].map((copy) => ({ Id: `m${i}-${copy}`, MessageBody: envelopeBody(id) })));
    await m.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: m.queueUrl('board'), Entries: entries }));
    await subscriber.start();
    await waitFor(() => ledger.missing(ids).length === 0 || undefined);
    // The second copies are deferred, then found completed and deleted.
    await waitFor(async () => (await queueCounts(m.broker.sqs, m.queueUrl('board'))).inFlight === 0 || undefined, { timeoutMs: 10_000, message: 'queue drained' });
    await subscriber.stop();
    expect(ledger.appliedTwice()).toEqual([]);
    expect(await queueCounts(m.broker.sqs, m.queueUrl('board'))).toEqual({ visible: 0, inFlight: 0 });
  });

  it('releases the claim when the handler fails, so the retry runs', async () => {
    const m = await mesh();
    const ledger = new Ledger();
    let failures = 0;
    const subscriber = m.subscriber('board').subscribe('score.changed', (e) => {
      if (failures < 2) {
        failures += 1;
        throw new Error('transient');
      }
      ledger.apply(e.id);
    });
    await subscriber.start();
    const { id } = await m.publisher('scorer').publish('score.changed', score(2));
    await waitFor(() => ledger.effects.size === 1 || undefined, { timeoutMs: 10_000, message: 'handled on the third attempt' });
    await subscriber.stop();
    expect(ledger.missing([id])).toEqual([]);
  });
});

describe('3. concurrency', () => {
  it('is a hard cap across every poller', async () => {
    const m = await mesh();
    const publisher = m.publisher('scorer');
    const ids = (await Promise.all(Array.from({ length: 120 }, (_, i) => publisher.publish('score.changed', score(i))))).map((r) => r.id);
    const ledger = new Ledger();
    let running = 0;
    let most = 0;
    const subscriber = m.subscriber('board', { concurrency: 5, pollers: 4 }).subscribe('score.changed', async (e) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      ledger.apply(e.id);
    });
    await subscriber.start();
    await waitFor(() => ledger.missing(ids).length === 0 || undefined, { timeoutMs: 15_000 });
    await subscriber.stop();
    expect(most).toBe(5);
    expect(subscriber.peakInFlight).toBeLessThanOrEqual(5);
    expect(ledger.appliedTwice()).toEqual([]);
  });
});

describe('4. a broker that accepts connections and never answers', () => {
  it('publish() rejects with PublishTimeoutError within its deadline plus one attempt', async () => {
    const m = await mesh();
    const proxy = (open.proxy = await startFaultProxy(m.broker.endpoint, { hang: true }));
    const { sns } = m.clientsVia(proxy.endpoint);
    const publisher = m.publisher('scorer', { deadlineMs: 2_000, attemptTimeoutMs: 1_000 }, sns);
    const started = Date.now();
    const outcome = await publisher.publish('score.changed', score(1)).catch((error: unknown) => error);
    const elapsed = Date.now() - started;
    expect(outcome).toBeInstanceOf(PublishTimeoutError);
    expect((outcome as PublishTimeoutError).message).toMatch(/was not acknowledged by SNS before its deadline/);
    expect(proxy.faultsInjected()).toBeGreaterThanOrEqual(2);
    // The deadline is the promise under test: 2 s plus at most one 1 s attempt (and scheduling slack).
    expect(elapsed).toBeLessThan(3_500);
  });

  it('start() fails with BrokerUnavailableError naming the queue; stop() of a hung poll returns', async () => {
    const m = await mesh();
    const proxy = (open.proxy = await startFaultProxy(m.broker.endpoint, { hang: true }));
    const { sqs } = m.clientsVia(proxy.endpoint);
    const subscriber = new Subscriber({ catalog: testEvents, sqs, queueUrl: m.queueUrl('board'), requestTimeoutMs: 300, startTimeoutMs: 1_500 }).subscribe('score.changed', () => undefined);
    const error = await subscriber.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect((error as Error).message).toContain(m.queueUrl('board'));
    expect(subscriber.isRunning).toBe(false);

    // Started while the broker answers, then the broker hangs: polling goes on, bounded, and stop() returns.
    proxy.set({});
    const running = new Subscriber({ catalog: testEvents, sqs, queueUrl: m.queueUrl('board'), requestTimeoutMs: 300, waitTimeSeconds: 1 }).subscribe('score.changed', () => undefined);
    let timeouts = 0;
    running.on('transport-error', ({ error }) => void (error instanceof Error && error.name === 'TimeoutError' && (timeouts += 1)));
    await running.start();
    proxy.set({ hang: true });
    await waitFor(() => timeouts >= 1 || undefined, { timeoutMs: 5_000, message: 'a bounded receive timing out' });
    await running.stop();
    expect(running.isRunning).toBe(false);
  });
});

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
