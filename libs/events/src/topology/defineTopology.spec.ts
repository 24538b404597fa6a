// Tests: resolveTopology.
import { describe, expect, it } from 'vitest';
import { testEvents, testTopology } from '../../test/testEvents';
import { z } from 'zod';
import { defineCatalog } from '../contract/catalog';
import { defineEventType, defineEventVersion } from '../contract/defineEvent';
import { defineTopology, resolveTopology } from './defineTopology';

describe('resolveTopology', () => {
  it('combines filtered and unfiltered types of one topic with $or', () => {
    const topology = defineTopology({
      catalog: testEvents,
      consumers: { x: { main: { subscriptions: [{ type: 'score.changed', filter: { points: [{ numeric: ['>', 10] }] } }, { type: 'match.ended' }] } } },
    });
    const [queue] = resolveTopology(topology, { prefix: 't' }).queues;
    expect(queue?.subscriptions).toContainEqual({ topicKey: 'scores', filterPolicy: { type: ['score.changed'], points: [{ numeric: ['>', 10] }] } });
    expect(queue?.subscriptions).toContainEqual({ topicKey: 'matches', filterPolicy: { type: ['match.ended'] } });
  });

  it('records the versions each queue reads', () => {
    const stats = resolveTopology(testTopology, { prefix: 't' }).queues.find((q) => q.service === 'stats');
    expect(stats?.reads).toEqual([{ type: 'score.changed', version: 1, pinned: true }]);
  });

  it('refuses a queue that reads ordered and unordered types (SNS FIFO topics deliver only to FIFO queues)', () => {
    const catalog = defineCatalog({
      ...testEvents,
      'coin.minted': defineEventType({
        description: 'd',
        producer: 'mint',
        topic: 'mint',
        current: 1,
        ordering: { groupBy: 'playerId' },
        versions: { 1: defineEventVersion({ schema: z.object({ playerId: z.string() }), examples: [{ playerId: 'p' }] }) },
      }),
    });
    expect(() => defineTopology({ catalog, consumers: { x: { main: { subscriptions: [{ type: 'coin.minted' }, { type: 'match.ended' }] } } } })).toThrow(
      /x.main: reads ordered and unordered types; .* give the ordered types a queue key of their own/,
    );
    const ordered = resolveTopology(defineTopology({ catalog, consumers: { x: { coins: { subscriptions: [{ type: 'coin.minted' }] } } } }), { prefix: 't' });
    expect(ordered.queues[0]).toMatchObject({ name: 't-x-coins.fifo', deadLetterQueueName: 't-x-coins-dlq.fifo', fifo: true });
  });

  it.each(['', 'Prod', '1st', 'a'.repeat(21), 'with space'])('refuses the prefix %j', (prefix) => {
    expect(() => resolveTopology(testTopology, { prefix })).toThrow(/prefix/);
  });
});

describe('defineTopology', () => {
  it.each([
    ['a type nobody produces', { subscriptions: [{ type: 'nobody.makes' as 'score.changed' }] }, /subscribes to "nobody.makes", which no producer in the catalog publishes/],
    ['a version that does not exist', { subscriptions: [{ type: 'score.changed' as const, version: 4 }] }, /score.changed has no version 4/],
    ['a filter on an attribute the type does not publish', { subscriptions: [{ type: 'match.ended' as const, filter: { points: [1] } }] }, /filter on "points", which match.ended does not publish/],
    ['an invalid filter', { subscriptions: [{ type: 'score.changed' as const, filter: { points: [{ numeric: ['>=', 'x' as unknown as number] }] } }] }, /points\[0\].numeric\[1\]: must be a number/],
    ['no subscriptions', { subscriptions: [] }, /at least one subscription/],
    ['a zero maxReceiveCount', { subscriptions: [{ type: 'score.changed' as const }], maxReceiveCount: 0 }, /maxReceiveCount must be between 1 and 1000/],
  ])('refuses %s', (_label, queue, message) => {
    expect(() => defineTopology({ catalog: testEvents, consumers: { svc: { main: queue as never } } })).toThrow(message);
  });
});
