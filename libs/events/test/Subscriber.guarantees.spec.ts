// Tests: what the subscriber guarantees (the README's guarantees section), each with a ledger:
// redeliveries, one claim per event, the concurrency cap, deadlines against a silent broker.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError, PublishTimeoutError, Subscriber } from '../src';
import { startFaultProxy, waitFor } from '../src/testing';
import { CONSUMING, envelopeBody, mesh, onScore, open, score, stopOpenAfterEach } from './guarantees';
import { countDeliveries, Ledger, queueCounts } from './ledger';
import { testEvents } from './mesh';

stopOpenAfterEach();
// Guarantees 1-3 hold for per-event handlers and for batch handlers alike.
describe.each(CONSUMING)('%s', (consuming) => {
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
      const subscriber = onScore(m.subscriber('board', {}, sqs), consuming, async (e, ctx) => {
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
      const subscriber = onScore(m.subscriber('board'), consuming, async (e) => {
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
      const subscriber = onScore(m.subscriber('board'), consuming, (e) => {
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
      const subscriber = onScore(m.subscriber('board', { concurrency: 5, pollers: 4 }), consuming, async (e) => {
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

});

describe('4. a broker that accepts connections and never answers', () => {
  it.each([
    ['its default attempt timeout (5 s) longer than the deadline', { deadlineMs: 2_000 }],
    ['attempts of 1 s', { deadlineMs: 2_000, attemptTimeoutMs: 1_000 }],
  ])('publish() rejects with PublishTimeoutError within its deadline and a tenth, with %s', async (_, options) => {
    const m = await mesh();
    const proxy = (open.proxy = await startFaultProxy(m.broker.endpoint, { hang: true }));
    const { sns } = m.clientsVia(proxy.endpoint);
    const publisher = m.publisher('scorer', options, sns);
    const started = Date.now();
    const outcome = await publisher.publish('score.changed', score(1)).catch((error: unknown) => error);
    const elapsed = Date.now() - started;
    expect(outcome).toBeInstanceOf(PublishTimeoutError);
    expect((outcome as PublishTimeoutError).message).toMatch(/before its deadline/);
    expect(proxy.faultsInjected()).toBeGreaterThanOrEqual(1);
    // Each attempt is bounded by the time the deadline leaves, so the deadline is a deadline.
    expect(elapsed).toBeLessThan(options.deadlineMs * 1.1);
  });

  it('start() fails with BrokerUnavailableError naming the queue; stop() of a hung poll returns', async () => {
    const m = await mesh();
    const proxy = (open.proxy = await startFaultProxy(m.broker.endpoint, { hang: true }));
    const { sqs } = m.clientsVia(proxy.endpoint);
    // Requests of 1 s against a start deadline of 1.5 s: the last one gets only what is left.
    const subscriber = new Subscriber({ catalog: testEvents, sqs, queueUrl: m.queueUrl('board'), requestTimeoutMs: 1_000, startTimeoutMs: 1_500 }).subscribe('score.changed', () => undefined);
    const started = Date.now();
    const error = await subscriber.start().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500 * 1.1);
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
