import { describe, expect, it } from 'vitest';
import { testEvents, testTopology } from '../../test/testEvents';
import { defineTopology, resolveTopology } from './declaration';
import { gameTopology } from './gameTopology';

describe('resolveTopology', () => {
  it('names every resource with the environment prefix', () => {
    const resolved = resolveTopology(gameTopology, { prefix: 'prod' });
    expect(resolved.topics.map((t) => t.name).sort()).toEqual(['prod-time', 'prod-weather']);
    expect(resolved.queues.map((q) => [q.name, q.deadLetterQueueName])).toEqual([
      ['prod-weather-manager', 'prod-weather-manager-dlq'],
      ['prod-sample-consumer', 'prod-sample-consumer-dlq'],
      ['prod-sample-consumer-severe', 'prod-sample-consumer-severe-dlq'],
    ]);
  });

  it('gives one subscription per topic and queue, with the types and conditions as filter', () => {
    const queues = resolveTopology(gameTopology, { prefix: 'local' }).queues;
    const main = queues.find((q) => q.name === 'local-sample-consumer')!;
    expect(main.subscriptions).toEqual([
      { topicKey: 'weather', filterPolicy: { type: ['weather.changed'] } },
      { topicKey: 'time', filterPolicy: { type: ['time.changed'] } },
    ]);
    const severe = queues.find((q) => q.name === 'local-sample-consumer-severe')!;
    expect(severe.subscriptions).toEqual([{ topicKey: 'weather', filterPolicy: { type: ['weather.changed'], intensity: [{ numeric: ['>=', 0.8] }] } }]);
  });

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

  it.each(['', 'Prod', '1st', 'a'.repeat(21), 'with space'])('refuses the prefix %j', (prefix) => {
    expect(() => resolveTopology(gameTopology, { prefix })).toThrow(/prefix/);
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
