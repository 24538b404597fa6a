// Tests: under injected faults, every event is handled exactly once in effect.
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTopology, InMemoryIdempotencyStore, type DeadLetterCode } from '../src';
import { startFaultProxy, waitFor, type FaultProxy } from '../src/testing';
import { Ledger } from './ledger';
import { startMesh, testEvents, type Mesh, type TestEvents } from './mesh';

// A short visibility timeout, so a message whose delete was lost comes back within the test.
const topology = defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], visibilityTimeoutSeconds: 2, maxReceiveCount: 10 } } } });

describe('under injected faults, every event is handled exactly once in effect', () => {
  let mesh: Mesh<TestEvents>;
  let proxy: FaultProxy;
  beforeEach(async () => {
    mesh = await startMesh(topology);
    proxy = await startFaultProxy(mesh.broker.endpoint);
  });
  afterEach(async () => {
    await proxy.stop();
    await mesh.stop();
  });

  const score = (i: number) => ({ playerId: `p${i}`, points: i, bonus: false });

  it('30 % of publish and receive requests fail with 5xx or a reset: all delivered, retries counted', async () => {
    const { sns, sqs } = mesh.clientsVia(proxy.endpoint);
    const publisher = mesh.publisher('scorer', { retryBaseMs: 10, retryMaxMs: 200 }, sns);
    const ledger = new Ledger();
    let publishRetries = 0;
    let transportErrors = 0;
    publisher.on('publish-retried', () => (publishRetries += 1));
    const subscriber = mesh.subscriber('board', { idempotencyStore: new InMemoryIdempotencyStore() }, sqs).subscribe('score.changed', (e) => ledger.apply(e.id));
    subscriber.on('transport-error', () => (transportErrors += 1));
    proxy.set({ errorRate: 0.15, errorStatus: 503, resetRate: 0.15 });
    await subscriber.start(); // its GetQueueAttributes goes through the faults too, and is retried
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => publisher.publish('score.changed', score(batch * 20 + i))));
      ids.push(...results.map((r) => r.id));
    }
    await waitFor(() => ledger.missing(ids).length === 0 || undefined, { timeoutMs: 30_000, message: 'every event handled' });
    await subscriber.stop();
    expect(ledger.missing(ids)).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(proxy.faultsInjected()).toBeGreaterThan(5);
    expect(publishRetries).toBeGreaterThan(0);
    expect(transportErrors).toBeGreaterThan(0);
    console.log(`faults injected: ${proxy.faultsInjected()}, publish retries: ${publishRetries}, subscriber transport errors: ${transportErrors}`);
  });

  it('the emulator unreachable for 10 s while publishing: publishers retry and recover, the subscriber resumes, nothing lost', { timeout: 60_000 }, async () => {
    const { sns, sqs } = mesh.clientsVia(proxy.endpoint);
    const publisher = mesh.publisher('scorer', { retryBaseMs: 50, retryMaxMs: 1_000, deadlineMs: 30_000 }, sns);
    const ledger = new Ledger();
    const subscriber = mesh.subscriber('board', {}, sqs).subscribe('score.changed', (e) => ledger.apply(e.id));
    await subscriber.start();
    const before = await Promise.all(Array.from({ length: 30 }, (_, i) => publisher.publish('score.changed', score(i))));
    await waitFor(() => ledger.missing(before.map((r) => r.id)).length === 0 || undefined);
    proxy.refuseFor(10_000);
    const during = await Promise.all(Array.from({ length: 30 }, (_, i) => publisher.publish('score.changed', score(100 + i))));
    const ids = [...before, ...during].map((r) => r.id);
    await waitFor(() => ledger.missing(ids).length === 0 || undefined, { timeoutMs: 20_000, message: 'events published during the outage' });
    expect(subscriber.isRunning).toBe(true);
    await subscriber.stop();
    expect(ledger.appliedTwice()).toEqual([]);
  });

  it('poison mixed into a stream: every good event handled, every poison message in the DLQ with its reason', async () => {
    const ledger = new Ledger();
    const deadLettered = new Map<string, DeadLetterCode>();
    const subscriber = mesh.subscriber('board').subscribe('score.changed', (e) => ledger.apply(e.id));
    subscriber.on('dead-lettered', ({ messageId, code }) => deadLettered.set(messageId, code));
    await subscriber.start();
    const envelope = (overrides: Record<string, unknown>) => {
      const id = randomUUID();
      return { specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: score(1), ...overrides };
    };
    const poison: [string, DeadLetterCode][] = [
      ['{"truncated":', 'MALFORMED_JSON'],
      [JSON.stringify(envelope({ data: { playerId: 7 } })), 'EVENT_DATA_INVALID'],
      [JSON.stringify(envelope({ type: 'score.exploded' })), 'UNKNOWN_EVENT_TYPE'],
      [JSON.stringify(envelope({ version: 3 })), 'UNKNOWN_EVENT_VERSION'],
      [JSON.stringify(envelope({ data: { playerId: 'x'.repeat(300_000), points: 1, bonus: false } })), 'MESSAGE_TOO_LARGE'],
      // Binary garbage, as far as SQS lets it through (it accepts only XML characters).
      [Buffer.from(Array.from({ length: 64 }, (_, i) => 32 + ((i * 37) % 224))).toString('latin1'), 'MALFORMED_JSON'],
    ];
    const good = Array.from({ length: 60 }, () => envelope({}));
    const stream = good.map((g) => JSON.stringify(g));
    poison.forEach(([body], i) => stream.splice(i * 10 + 3, 0, body));
    const poisonIds = new Map<string, DeadLetterCode>();
    for (let i = 0; i < stream.length; i += 10) {
      const chunk = stream.slice(i, i + 10);
      const small = chunk.filter((body) => body.length < 200_000);
      const sent = await mesh.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: mesh.queueUrl('board'), Entries: small.map((body, j) => ({ Id: `m${j}`, MessageBody: body })) }));
      expect(sent.Failed ?? []).toEqual([]);
      for (const entry of sent.Successful ?? []) {
        const body = small[Number(entry.Id?.slice(1))];
        const code = poison.find(([p]) => p === body)?.[1];
        if (code && entry.MessageId) poisonIds.set(entry.MessageId, code);
      }
      for (const body of chunk.filter((b) => b.length >= 200_000)) {
        const { MessageId } = await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: mesh.queueUrl('board'), MessageBody: body }));
        if (MessageId) poisonIds.set(MessageId, 'MESSAGE_TOO_LARGE');
      }
    }
    await waitFor(() => (ledger.missing(good.map((g) => g.id)).length === 0 && deadLettered.size === poison.length) || undefined, { timeoutMs: 15_000 });
    await subscriber.stop();
    expect(deadLettered).toEqual(poisonIds);
    expect(ledger.appliedTwice()).toEqual([]);
  });
});
