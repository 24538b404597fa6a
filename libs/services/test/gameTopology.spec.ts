// Tests: the game topology, built from the apps' declarations.
import { fileURLToPath } from 'node:url';
import { applyTopology, gameEvents, parseServiceDeclaration, Publisher, resolveTopology, Subscriber, topologyOfServices } from '@game-mesh/events';
import { startGameMesh, waitFor } from '@game-mesh/events/testing';
import { describe, expect, it } from 'vitest';
import { loadGameTopology, loadServiceDeclarations } from '../src';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const gameTopology = loadGameTopology(root);

describe('the game topology, built from the apps\' declarations', () => {
  it('names every resource with the environment prefix', () => {
    const resolved = resolveTopology(gameTopology, { prefix: 'prod' });
    // The inventory's types are ordered per player: a FIFO topic, and a FIFO queue and DLQ for their reader.
    expect(resolved.topics.map((t) => t.name).sort()).toEqual(['prod-inventory.fifo', 'prod-time', 'prod-weather']);
    expect(resolved.queues.map((q) => [q.name, q.deadLetterQueueName])).toEqual([
      ['prod-weather-manager', 'prod-weather-manager-dlq'],
      ['prod-sample-consumer', 'prod-sample-consumer-dlq'],
      ['prod-sample-consumer-severe', 'prod-sample-consumer-severe-dlq'],
      ['prod-sample-consumer-inventory.fifo', 'prod-sample-consumer-inventory-dlq.fifo'],
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

});

describe('a declaration that disagrees with the catalog', () => {
  const declare = (change: object) => parseServiceDeclaration({ name: 'weather-manager', description: 'd', port: 3002, publishes: ['weather.changed'], ...change }, 'apps/weather-manager/service.json');
  it.each([
    ['publishes a type the catalog gives to another', { publishes: ['weather.changed', 'time.changed'] }, /weather-manager publishes "time.changed", which the catalog gives to time-manager/],
    ['publishes a type nobody defined', { publishes: ['weather.changed', 'rain.started'] }, /publishes "rain.started", which the catalog does not define/],
    ['leaves out a type the catalog gives it', { publishes: [] }, /the catalog gives "weather.changed" to weather-manager, whose declaration does not list it/],
    ['reads a field the version does not have', { consumes: { main: { subscriptions: [{ type: 'time.changed', reads: ['phase', 'moon'] }] } } }, /weather-manager.main: reads "moon" of time.changed v1, which has only phase, previousPhase/],
    ['filters on an attribute the type does not publish', { consumes: { main: { subscriptions: [{ type: 'time.changed', filter: { day: [1] } }] } } }, /filter on "day", which time.changed does not publish as an attribute/],
    ['subscribes to a version that does not exist', { consumes: { main: { subscriptions: [{ type: 'time.changed', version: 7 }] } } }, /time.changed has no version 7/],
  ])('is refused when it %s', (_case, change, message) => {
    expect(() => topologyOfServices(gameEvents, [declare(change)])).toThrow(message);
  });

  it('is refused with every field named when it is not a declaration at all', () => {
    expect(() => declare({ port: 80, consumes: { Main: { subscriptions: [] } }, replicas: 2 })).toThrow(
      /Invalid service declaration:\n- apps\/weather-manager\/service.json: port: Too small[\s\S]*consumes.Main: Invalid key[\s\S]*\(root\): Unrecognized key: "replicas"/,
    );
  });
});

describe('the game topology: severe weather only reaches the severe queue', () => {
  it('routes weather.changed by intensity and time.changed to its two consumers', async () => {
    const mesh = await startGameMesh(loadServiceDeclarations(root), 'local');
    try {
      const publisher = (source: string) => new Publisher({ catalog: gameEvents, source, transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
      const queueUrl = (service: string, key: string) => mesh.report.queues.find((q) => q.service === service && q.key === key)!.url;
      const weather = publisher('weather-manager');
      const time = publisher('time-manager');
      const seen = new Map<string, string[]>();
      const record = (queue: string) => (event: { id: string }) => void seen.set(queue, [...(seen.get(queue) ?? []), event.id]);
      const subscriberFor = (service: string, key = 'main') =>
        new Subscriber({ catalog: gameEvents, sqs: mesh.broker.sqs, queueUrl: queueUrl(service, key), waitTimeSeconds: 1 });
      const main = subscriberFor('sample-consumer').subscribe('weather.changed', record('main')).subscribe('time.changed', record('main'));
      const severe = subscriberFor('sample-consumer', 'severe').subscribe('weather.changed', record('severe'));
      const weatherManager = subscriberFor('weather-manager').subscribe('time.changed', record('weather-manager'));
      await Promise.all([main.start(), severe.start(), weatherManager.start()]);

      const mild = await weather.publish('weather.changed', { previous: { condition: 'clear', intensity: 0.2, temperatureCelsius: 20 }, current: { condition: 'rain', intensity: 0.79, temperatureCelsius: 18 }, cause: 'simulation' });
      const storm = await weather.publish('weather.changed', { previous: { condition: 'rain', intensity: 0.79, temperatureCelsius: 18 }, current: { condition: 'storm', intensity: 0.8, temperatureCelsius: 16 }, cause: 'simulation' });
      const dusk = await time.publish('time.changed', { phase: 'dusk', previousPhase: 'day', day: 2, minuteOfDay: 1080, season: 'summer', cause: 'clock' });

      await waitFor(() => (seen.get('main')?.length ?? 0) === 3 && (seen.get('weather-manager')?.length ?? 0) === 1, { message: 'main and weather-manager deliveries' });
      await Promise.all([main.stop(), severe.stop(), weatherManager.stop()]);
      expect(seen.get('main')?.sort()).toEqual([mild.id, storm.id, dusk.id].sort());
      expect(seen.get('severe')).toEqual([storm.id]);
      expect(seen.get('weather-manager')).toEqual([dusk.id]);
      // Apply is idempotent on the real topology too.
      const again = await applyTopology({ sns: mesh.broker.sns, sqs: mesh.broker.sqs, topology: resolveTopology(gameTopology, { prefix: 'local' }) });
      expect(again.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    } finally {
      await mesh.stop();
    }
  });
});
