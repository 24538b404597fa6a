// Tests: batch handlers (subscribeBatch): a receive's events of one type in one call, per-event
// failures retried and dead-lettered on their own, successes deleted together, one span per batch
// linked to each publish span, and no batch handler on a FIFO queue.
import type { Message } from '@aws-sdk/client-sqs';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, defineEventType, defineEventVersion, defineTopology, PermanentError, Subscriber, TransportConfigError, type BatchItemFailure } from '../src';
import { waitFor } from '../src/testing';
import { deadLetters, mesh, reasonOf, score, stopOpenAfterEach } from './guarantees';
import { Ledger, queueCounts } from './ledger';
import { startMesh, type Mesh, type TestEvents } from './mesh';

stopOpenAfterEach();
const pointsOf = (message: Message) => (JSON.parse(message.Body ?? '{}') as { data: { points: number } }).data.points;

/** Counts DeleteMessageBatch requests and their entries, as the client sends them. */
function countDeletes(m: Mesh<TestEvents>): number[] {
  const sizes: number[] = [];
  m.broker.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeleteMessageBatchCommand') sizes.push((args.input as { Entries: unknown[] }).Entries.length);
      return next(args);
    },
    { step: 'initialize', name: 'countDeletes' },
  );
  return sizes;
}

describe('subscribeBatch', () => {
  it('hands a receive’s events over in one call; a failed event is retried alone and dead-lettered with its own reason, a PermanentError at once; the rest are applied once and deleted together', { timeout: 40_000 }, async () => {
    const m = await mesh({ maxReceiveCount: 3 });
    const deletes = countDeletes(m);
    const ledger = new Ledger();
    const batchSizes: number[] = [];
    const receiveCountsOfThree: number[] = [];
    const subscriber = m.subscriber('board', { deleteBatchWindowMs: 50 }).subscribeBatch('score.changed', (events, context) => {
      batchSizes.push(events.length);
      const failures: BatchItemFailure[] = [];
      events.forEach((event, i) => {
        if (event.data.points === 3) {
          receiveCountsOfThree.push(context.messages[i]!.receiveCount);
          failures.push({ id: event.id, error: new Error('three never works') });
        } else if (event.data.points === 7) {
          failures.push({ id: event.id, error: new PermanentError('seven names a deleted player') });
        } else {
          ledger.apply(event.id);
        }
      });
      return { failures };
    });
    const publisher = m.publisher('scorer');
    const published = await Promise.all(Array.from({ length: 10 }, (_, points) => publisher.publish('score.changed', score(points))));
    await subscriber.start();
    const dead = await deadLetters(m, 2);
    await waitFor(async () => ((await queueCounts(m.broker.sqs, m.queueUrl('board'))).inFlight === 0 ? true : undefined), { timeoutMs: 10_000, message: 'the queue drained' });
    await subscriber.stop();

    const healthy = published.filter((_, points) => points !== 3 && points !== 7).map((p) => p.id);
    expect(ledger.missing(healthy)).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(ledger.effects.size).toBe(8);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    // The failed event kept its own receive count across its retries, then went to the DLQ with its reason.
    expect(receiveCountsOfThree).toEqual([1, 2, 3]);
    const byPoints = new Map(dead.map((message) => [pointsOf(message), reasonOf(message)]));
    expect(byPoints.get(3)).toMatch(/^HANDLER_FAILED: Handler failed 3 times: three never works/);
    expect(byPoints.get(7)).toBe('HANDLER_REJECTED: seven names a deleted player');
    expect(await queueCounts(m.broker.sqs, m.queueUrl('board'))).toEqual({ visible: 0, inFlight: 0 });
    // A batch's successes share one DeleteMessageBatch.
    expect(Math.max(...deletes)).toBeGreaterThan(1);
  });

  it('fails every event of the batch when the handler throws: each comes back and is applied once', { timeout: 30_000 }, async () => {
    const m = await mesh({ maxReceiveCount: 5 });
    const ledger = new Ledger();
    let calls = 0;
    const subscriber = m.subscriber('board').subscribeBatch('score.changed', (events) => {
      calls += 1;
      if (calls === 1) throw new Error('the database is away');
      for (const event of events) ledger.apply(event.id);
    });
    const publisher = m.publisher('scorer');
    const ids = (await Promise.all(Array.from({ length: 6 }, (_, points) => publisher.publish('score.changed', score(points))))).map((p) => p.id);
    await subscriber.start();
    await waitFor(() => ledger.missing(ids).length === 0 || undefined, { timeoutMs: 20_000, message: 'every event applied after the failed call' });
    await subscriber.stop();
    expect(ledger.appliedTwice()).toEqual([]);
    expect(calls).toBeGreaterThan(1);
  });

  it('runs in one process span per batch, linked to the publish span of each event', { timeout: 20_000 }, async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    try {
      const m = await mesh();
      let events = 0;
      const subscriber = m.subscriber('board').subscribeBatch('score.changed', (batch) => void (events += batch.length));
      const publisher = m.publisher('scorer');
      await Promise.all(Array.from({ length: 5 }, (_, points) => publisher.publish('score.changed', score(points))));
      await subscriber.start();
      await waitFor(() => events === 5 || undefined, { timeoutMs: 10_000, message: 'five events handled' });
      await subscriber.stop();
      const spans = exporter.getFinishedSpans();
      const published = spans.filter((span) => span.name.startsWith('publish '));
      const processed = spans.filter((span) => span.name.startsWith('process '));
      expect(published).toHaveLength(5);
      expect(processed.reduce((sum, span) => sum + Number(span.attributes['messaging.batch.message_count']), 0)).toBe(5);
      expect(processed.length).toBeLessThan(5);
      const linked = processed.flatMap((span) => span.links.map((link) => link.context.spanId)).sort();
      expect(linked).toEqual(published.map((span) => span.spanContext().spanId).sort());
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});

describe('subscribeBatch on a FIFO queue', () => {
  const wallet = defineCatalog({
    'wallet.changed': defineEventType({
      description: 'A balance moved.',
      producer: 'bank',
      topic: 'bank',
      current: 1,
      ordering: { groupBy: 'playerId' },
      versions: { 1: defineEventVersion({ schema: z.object({ playerId: z.string(), delta: z.int() }), examples: [{ playerId: 'p1', delta: 5 }] }) },
    }),
  });
  let fifo: Mesh<typeof wallet> | undefined;
  afterAll(async () => fifo?.stop());

  it('is refused by start(), naming the type and the queue: a batch would apply a group’s later events before an earlier one succeeded', async () => {
    fifo = await startMesh(defineTopology({ catalog: wallet, consumers: { ledger: { main: { subscriptions: [{ type: 'wallet.changed' }] } } } }));
    const subscriber = new Subscriber({ catalog: wallet, sqs: fifo.broker.sqs, queueUrl: fifo.queueUrl('ledger') }).subscribeBatch('wallet.changed', () => undefined);
    const error = await subscriber.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportConfigError);
    expect((error as Error).message).toMatch(/wallet\.changed on the FIFO queue test-ledger\.fifo/);
    expect(subscriber.isRunning).toBe(false);
  });
});
