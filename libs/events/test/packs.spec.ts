// Tests: high-volume types travel packed, many events to one SNS message, through a real emulator:
// packing while a request is in flight (a lone event leaves at once, alone), filter policies exact
// per event, and per-event claims, handler calls, retries and DLQ entries on the way out.
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractError, defineCatalog, defineEventType, defineEventVersion, defineTopology, DynamoDbIdempotencyStore, InMemoryIdempotencyStore, PermanentError, type IdempotencyStore } from '../src';
import { startTestDynamoDb } from '../src/testing/dynamoDb';
import { PACK_FIELD } from '../src/contract/pack';
import { waitFor } from '../src/testing';
import { afterEach } from 'vitest';
import { open, reasonOf, stopOpenAfterEach } from './guarantees';
import { Ledger, queueCounts } from './ledger';
import { startMesh, type Mesh } from './mesh';

stopOpenAfterEach();

/**
 * The stores a pack's events are claimed in: whole packs (one record per pack, `claimPack`) in
 * memory and in DynamoDB, and per event (a store without `claimPack`, as a custom store may be).
 */
const stopStore: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stopStore.splice(0)) await stop();
});
const STORES: Record<string, () => Promise<{ store: IdempotencyStore; writes: () => number }>> = {
  'packs claimed whole, in memory': async () => ({ store: new InMemoryIdempotencyStore(), writes: () => 0 }),
  'per-event claims (a store without claimPack)': async () => {
    const inner = new InMemoryIdempotencyStore();
    return { store: { claim: (id, ttl) => inner.claim(id, ttl), complete: (id, ttl) => inner.complete(id, ttl), release: (id) => inner.release(id), renew: (id, ttl) => inner.renew(id, ttl) }, writes: () => 0 };
  },
  'packs claimed whole, in DynamoDB (dynalite)': async () => {
    const db = await startTestDynamoDb();
    stopStore.push(() => db.stop());
    const table = `packs-${crypto.randomUUID()}`;
    await db.createIdempotencyTable(table);
    let writes = 0;
    db.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(context.commandName ?? '')) writes += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countWrites' },
    );
    return { store: new DynamoDbIdempotencyStore({ dynamodb: db.dynamodb, tableName: table }), writes: () => writes };
  },
};

const hitV1 = z.object({ playerId: z.string(), damage: z.number(), critical: z.boolean() });
const telemetry = defineCatalog({
  'player.hit': defineEventType({
    description: 'A player took a hit (game telemetry).',
    producer: 'arena',
    topic: 'combat',
    current: 1,
    highVolume: true,
    versions: {
      1: defineEventVersion({
        schema: hitV1,
        filterAttributes: {
          critical: { dataType: 'String', description: 'whether the hit was critical', select: (d) => String(d.critical) },
          // Cut at 50: a filter may compare damage with 50 only, and hits pack by their side of it.
          damage: { dataType: 'Number', description: 'the damage taken', select: (d) => d.damage, thresholds: [50] },
        },
        examples: [{ playerId: 'ada', damage: 12, critical: false }],
      }),
    },
  }),
});
type Telemetry = typeof telemetry;
const topology = defineTopology({
  catalog: telemetry,
  consumers: {
    tally: { main: { subscriptions: [{ type: 'player.hit' }], maxReceiveCount: 3 } },
    medic: { main: { subscriptions: [{ type: 'player.hit', filter: { critical: ['true'] } }] } },
    boss: { main: { subscriptions: [{ type: 'player.hit', filter: { damage: [{ numeric: ['>=', 50] }] } }] } },
  },
});

async function telemetryMesh(): Promise<Mesh<Telemetry>> {
  const m = await startMesh(topology);
  open.mesh = m as never;
  return m;
}

/** The PublishBatch requests a client sends: their entries' bodies. */
function publishedBatches(sns: SNSClient): string[][] {
  const batches: string[][] = [];
  sns.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PublishBatchCommand') batches.push((args.input as { PublishBatchRequestEntries: { Message: string }[] }).PublishBatchRequestEntries.map((e) => e.Message));
      return next(args);
    },
    { step: 'initialize', name: 'publishedBatches' },
  );
  return batches;
}

const hit = (i: number) => ({ playerId: `p${i % 7}`, damage: i % 100, critical: i % 5 === 0 });

async function drained(m: Mesh<Telemetry>, service: string): Promise<void> {
  await waitFor(async () => {
    const counts = await queueCounts(m.broker.sqs, m.queueUrl(service));
    return counts.visible === 0 && counts.inFlight === 0 ? true : undefined;
  }, { timeoutMs: 20_000, message: `${service}'s queue drained` });
}

async function dlq(m: Mesh<Telemetry>, service: string, expected: number): Promise<Message[]> {
  const all: Message[] = [];
  await waitFor(async () => {
    const out = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl(service), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    all.push(...(out.Messages ?? []));
    return all.length >= expected || undefined;
  }, { timeoutMs: 20_000, message: `${expected} dead letters on ${service}` });
  return all;
}

describe('high-volume types travel packed', () => {
  it('packs events published while a request is in flight, many to a message; every event is handled once, and a filtered queue gets exactly its events', { timeout: 40_000 }, async () => {
    const m = await telemetryMesh();
    const batches = publishedBatches(m.broker.sns);
    const publisher = m.publisher('arena');
    const tally = new Ledger();
    const medic = new Ledger();
    const medicSaw: boolean[] = [];
    const boss = new Ledger();
    const subscribers = [m.subscriber('tally').subscribe('player.hit', (event) => tally.apply(event.id)), m.subscriber('boss').subscribe('player.hit', (event) => boss.apply(event.id))];
    subscribers.push(m.subscriber('medic').subscribe('player.hit', (event) => {
      medicSaw.push(event.data.critical);
      medic.apply(event.id);
    }));
    const published: { id: string; critical: boolean; damage: number }[] = [];
    // Three waves, each published while the one before is in flight; damage 0-99, so on both sides of 50.
    for (let wave = 0; wave < 3; wave += 1) {
      const ids = await Promise.all(Array.from({ length: 400 }, (_, i) => publisher.publish('player.hit', hit(wave * 400 + i)).then((r) => ({ id: r.id, critical: (wave * 400 + i) % 5 === 0, damage: hit(wave * 400 + i).damage }))));
      published.push(...ids);
    }
    const messages = batches.flat();
    // 1,200 events in far fewer messages: the first of each wave leaves alone, the rest packed.
    expect(messages.length).toBeLessThan(60);
    expect(messages.some((body) => body.startsWith(`{"${PACK_FIELD}":`))).toBe(true);
    // Hits of different damage on the same side of 50 share packs (thresholds cut, values do not).
    const damagesOf = (body: string) => new Set((JSON.parse(body) as { [PACK_FIELD]?: { event: { data: { damage: number } } }[] })[PACK_FIELD]?.map((e) => e.event.data.damage) ?? []);
    expect(Math.max(...messages.map((body) => damagesOf(body).size))).toBeGreaterThan(10);
    expect(messages.every((body) => { const sides = new Set([...damagesOf(body)].map((d) => Math.sign(d - 50))); return sides.size <= 1; })).toBe(true);
    await Promise.all(subscribers.map((subscriber) => subscriber.start()));
    await waitFor(() => (tally.effects.size === published.length && medic.effects.size === published.filter((p) => p.critical).length ? true : undefined), { timeoutMs: 30_000, message: 'every event handled' });
    await drained(m, 'tally');
    await drained(m, 'medic');
    expect(tally.missing(published.map((p) => p.id))).toEqual([]);
    expect(tally.appliedTwice()).toEqual([]);
    // The severe queue's filter stays exact per event: every critical hit, and nothing else.
    expect(medic.missing(published.filter((p) => p.critical).map((p) => p.id))).toEqual([]);
    expect(medicSaw.every(Boolean)).toBe(true);
    expect(medic.appliedTwice()).toEqual([]);
    // The numeric filter too: every hit of 50 or more, none below.
    await waitFor(() => (boss.effects.size === published.filter((p) => p.damage >= 50).length ? true : undefined), { timeoutMs: 20_000, message: 'every hard hit handled' });
    await drained(m, 'boss');
    expect(boss.missing(published.filter((p) => p.damage >= 50).map((p) => p.id))).toEqual([]);
    expect(boss.effects.size).toBe(published.filter((p) => p.damage >= 50).length);
    expect(boss.appliedTwice()).toEqual([]);
  });

  it('sends a lone event at once as a plain message, not a pack', { timeout: 20_000 }, async () => {
    const m = await telemetryMesh();
    const batches = publishedBatches(m.broker.sns);
    const publisher = m.publisher('arena');
    await publisher.publish('player.hit', hit(1));
    expect(batches).toHaveLength(1);
    expect(JSON.parse(batches[0]![0]!)).toMatchObject({ type: 'player.hit', data: hit(1) });
  });

  it.each(Object.keys(STORES))('retries and dead-letters a pack’s events one by one (%s): healthy ones are applied once, a failing one and a rejected one go to the DLQ alone, with their reasons, once', { timeout: 40_000 }, async (storeName) => {
    const { store } = await STORES[storeName]!();
    const m = await telemetryMesh();
    const publisher = m.publisher('arena');
    const ledger = new Ledger();
    const calls = new Map<number, number>();
    // The first publish leaves alone; the next 50, published while it is in flight, go packed.
    const first = publisher.publish('player.hit', hit(0));
    const rest = Array.from({ length: 50 }, (_, i) => publisher.publish('player.hit', { ...hit(i + 1), critical: false }));
    const published = await Promise.all([first, ...rest]);
    const subscriber = m.subscriber('tally', { idempotencyStore: store }).subscribe('player.hit', (event) => {
      calls.set(event.data.damage, (calls.get(event.data.damage) ?? 0) + 1);
      if (event.data.damage === 13) throw new Error('thirteen never works');
      if (event.data.damage === 29) throw new PermanentError('twenty-nine names a player who left');
      ledger.apply(event.id);
    });
    await subscriber.start();
    const dead = await dlq(m, 'tally', 2);
    await drained(m, 'tally');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const more = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('tally'), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(more.Messages ?? []).toEqual([]);
    const healthy = published.filter((_, i) => i !== 13 && i !== 29).map((p) => p.id);
    expect(ledger.missing(healthy)).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(ledger.effects.size).toBe(49);
    // The failing event ran once per receive of its pack (3), the rejected one once.
    expect(calls.get(13)).toBe(3);
    expect(calls.get(29)).toBe(1);
    const byDamage = new Map(dead.map((message) => [(JSON.parse(message.Body ?? '{}') as { data: { damage: number } }).data.damage, reasonOf(message)]));
    expect(byDamage.get(13)).toMatch(/^HANDLER_FAILED: Handler failed 3 times: thirteen never works/);
    expect(byDamage.get(29)).toBe('HANDLER_REJECTED: twenty-nine names a player who left');
  });

  it('hands a pack’s events to a batch handler in one call', { timeout: 30_000 }, async () => {
    const m = await telemetryMesh();
    const publisher = m.publisher('arena');
    const sizes: number[] = [];
    const ledger = new Ledger();
    const published = await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish('player.hit', hit(i))));
    const subscriber = m.subscriber('tally').subscribeBatch('player.hit', (events) => {
      sizes.push(events.length);
      for (const event of events) ledger.apply(event.id);
      return { failures: [] };
    });
    await subscriber.start();
    await waitFor(() => (ledger.effects.size === published.length ? true : undefined), { timeoutMs: 20_000, message: 'every event handled' });
    await drained(m, 'tally');
    expect(ledger.appliedTwice()).toEqual([]);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
  });

  it.each(Object.keys(STORES))('dead-letters a malformed event of a pack on its own, once, while the pack comes back for another (%s)', { timeout: 30_000 }, async (storeName) => {
    const { store } = await STORES[storeName]!();
    const m = await telemetryMesh();
    const ledger = new Ledger();
    const good = (damage: number) => ({ event: { specversion: '1.0', id: crypto.randomUUID(), type: 'player.hit', version: 1, source: 'arena', time: new Date().toISOString(), correlationId: 'c', data: { playerId: 'ada', damage, critical: false } } });
    const entries = [good(1), { event: { type: 'player.hit', data: 'not an envelope' } }, good(2), 'not an entry', good(3)];
    await m.broker.sqs.send(new SendMessageCommand({ QueueUrl: m.queueUrl('tally'), MessageBody: JSON.stringify({ [PACK_FIELD]: entries }) }));
    let failuresOfTwo = 0;
    const subscriber = m.subscriber('tally', { idempotencyStore: store }).subscribe('player.hit', (event) => {
      if (event.data.damage === 2 && failuresOfTwo++ === 0) throw new Error('two fails once');
      ledger.apply(event.id);
    });
    await subscriber.start();
    await waitFor(() => (ledger.effects.size === 3 ? true : undefined), { timeoutMs: 20_000, message: 'the three good events handled' });
    await drained(m, 'tally');
    const dead = await dlq(m, 'tally', 2);
    const more = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('tally'), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    // Two malformed entries, each parked once although the pack came back for event 2.
    expect([...dead, ...(more.Messages ?? [])].map(reasonOf).sort()).toEqual([expect.stringMatching(/^INVALID_ENVELOPE/), expect.stringMatching(/^INVALID_ENVELOPE/)]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(failuresOfTwo).toBe(2);
  });

  it('applies a pack delivered twice to two replicas once, with two store writes for the whole pack', { timeout: 30_000 }, async () => {
    const { store, writes } = await STORES['packs claimed whole, in DynamoDB (dynalite)']!();
    const m = await telemetryMesh();
    const ledger = new Ledger();
    const events = Array.from({ length: 100 }, (_, damage) => ({ event: { specversion: '1.0', id: crypto.randomUUID(), type: 'player.hit', version: 1, source: 'arena', time: new Date().toISOString(), correlationId: 'c', data: { playerId: 'ada', damage, critical: false } } }));
    const body = JSON.stringify({ [PACK_FIELD]: events });
    // SNS delivers at least once: the same pack, twice.
    for (let copy = 0; copy < 2; copy += 1) await m.broker.sqs.send(new SendMessageCommand({ QueueUrl: m.queueUrl('tally'), MessageBody: body }));
    const replicas = [0, 1].map(() =>
      m.subscriber('tally', { idempotencyStore: store }).subscribe('player.hit', async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        ledger.apply(event.id);
      }),
    );
    await Promise.all(replicas.map((replica) => replica.start()));
    await waitFor(() => (ledger.effects.size === 100 ? true : undefined), { timeoutMs: 20_000, message: 'the pack handled' });
    await drained(m, 'tally');
    expect(ledger.appliedTwice()).toEqual([]);
    // The claim and the completion of the pack, and a claim attempt by the replica that got the copy: no write per event.
    expect(writes()).toBeLessThanOrEqual(4);
  });

  it('lets a batch handler fail one event of a pack: only that one comes back, with the pack’s receive count, and it is dead-lettered alone', { timeout: 30_000 }, async () => {
    const m = await telemetryMesh();
    const publisher = m.publisher('arena');
    const ledger = new Ledger();
    const countsOfSeven: number[] = [];
    const published = await Promise.all(Array.from({ length: 40 }, (_, i) => publisher.publish('player.hit', { ...hit(i), critical: false })));
    const subscriber = m.subscriber('tally').subscribeBatch('player.hit', (events, context) => {
      const failures = events.flatMap((event, i) => {
        if (event.data.damage !== 7) {
          ledger.apply(event.id);
          return [];
        }
        countsOfSeven.push(context.messages[i]!.receiveCount);
        return [{ id: event.id, error: new Error('seven never works') }];
      });
      return { failures };
    });
    await subscriber.start();
    const dead = await dlq(m, 'tally', 1);
    await drained(m, 'tally');
    expect(ledger.missing(published.filter((_, i) => i !== 7).map((p) => p.id))).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(countsOfSeven).toEqual([1, 2, 3]);
    expect(dead.map(reasonOf)).toEqual([expect.stringMatching(/^HANDLER_FAILED: Handler failed 3 times: seven never works/)]);
  });

  it('parks a pack of more events than SNS could carry whole, with one reason, instead of one DLQ entry per entry', { timeout: 20_000 }, async () => {
    const m = await telemetryMesh();
    const handled: string[] = [];
    await m.broker.sqs.send(new SendMessageCommand({ QueueUrl: m.queueUrl('tally'), MessageBody: JSON.stringify({ [PACK_FIELD]: Array.from({ length: 3_000 }, () => 0) }) }));
    const subscriber = m.subscriber('tally').subscribe('player.hit', (event) => void handled.push(event.id));
    await subscriber.start();
    const dead = await dlq(m, 'tally', 1);
    await drained(m, 'tally');
    const more = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('tally'), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect([...dead, ...(more.Messages ?? [])].map(reasonOf)).toEqual(['INVALID_ENVELOPE: Invalid envelope: a pack holds 1 to 2000 events; this one 3000']);
    expect(handled).toEqual([]);
  });

  it('refuses a high-volume type that is also ordered, and a pack budget SNS cannot carry', () => {
    const version = defineEventVersion({ schema: z.object({ playerId: z.string() }), examples: [{ playerId: 'ada' }] });
    expect(() => defineCatalog({ 'player.moved': defineEventType({ description: 'd', producer: 'arena', topic: 'moves', current: 1, highVolume: true, ordering: { groupBy: 'playerId' }, versions: { 1: version } }) })).toThrow(
      /highVolume and ordering do not go together/,
    );
    expect(() => defineCatalog({ 'player.moved': defineEventType({ description: 'd', producer: 'arena', topic: 'moves', current: 1, highVolume: { packBytes: 300_000 }, versions: { 1: version } }) })).toThrow(ContractError);
  });

  it('refuses thresholds a filter could not name, and a filter that compares a thresholded attribute anywhere else', () => {
    const withThresholds = (thresholds: readonly number[], dataType: 'Number' | 'String' = 'Number') =>
      defineCatalog({
        'player.hit': defineEventType({
          ...telemetry['player.hit'],
          versions: { 1: defineEventVersion({ ...telemetry['player.hit'].versions[1], filterAttributes: { damage: { dataType, description: 'd', select: (d) => d.damage, thresholds } } }) },
        }),
      });
    expect(() => withThresholds([50, 20])).toThrow(/thresholds must ascend, each once; 20 follows 50/);
    expect(() => withThresholds([0.123456])).toThrow(/threshold 0.123456 is not a number SNS filters can name/);
    expect(() => withThresholds([50], 'String')).toThrow(/thresholds are for Number attributes/);
    expect(() => withThresholds([])).toThrow(/non-empty list/);
    const subscribe = (filter: Record<string, unknown[]>) => defineTopology({ catalog: telemetry, consumers: { boss: { main: { subscriptions: [{ type: 'player.hit', filter: filter as never }] } } } });
    expect(() => subscribe({ damage: [{ numeric: ['>=', 50] }, 50, { 'anything-but': [50] }, { exists: true }] })).not.toThrow();
    expect(() => subscribe({ damage: [{ numeric: ['>', 40] }] })).toThrow(/damage\[0\]: 40 is not one of the attribute's thresholds \(50\)/);
    expect(() => subscribe({ damage: [{ numeric: ['>=', 50, '<', 90] }] })).toThrow(/90 is not one of the attribute's thresholds/);
    expect(() => subscribe({ damage: [75] })).toThrow(/75 is not one of/);
    expect(() => subscribe({ damage: [{ prefix: '5' }] })).toThrow(/filter it with numeric conditions at them/);
  });
});
