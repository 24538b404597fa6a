import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopology, gameEvents, gameTopology, resolveTopology, Subscriber } from '../src';
import { waitFor } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';

describe('fan-out and filter policies through fauxqs', () => {
  let mesh: Mesh<TestEvents>;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
  });
  afterAll(() => mesh.stop());

  async function drain(service: string): Promise<Message[]> {
    const out = await mesh.broker.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: mesh.queueUrl(service), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    return out.Messages ?? [];
  }

  it('delivers one event to every subscribed queue, and the numeric filter lets through only points >= 100', async () => {
    const publisher = mesh.publisher('scorer');
    const big = await publisher.publish('score.changed', { playerId: 'ada', points: 150, bonus: true });
    const small = await publisher.publish('score.changed', { playerId: 'bob', points: 99.5, bonus: false });

    const received = await waitFor(async () => {
      const [board, stats, alerts] = await Promise.all([drain('board'), drain('stats'), drain('alerts')]);
      return board.length + stats.length + alerts.length > 0 ? { board, stats, alerts } : undefined;
    });
    const ids = (messages: Message[]) => messages.map((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id).sort();
    expect(ids(received.board)).toEqual([big.id, small.id].sort());
    expect(ids(received.stats)).toEqual([big.id, small.id].sort());
    expect(ids(received.alerts)).toEqual([big.id]);
    // Raw delivery: the body is our envelope and the attributes are SQS attributes.
    const alert = received.alerts[0]!;
    expect(alert.MessageAttributes?.['points']).toMatchObject({ DataType: 'Number', StringValue: '150' });
    expect(alert.MessageAttributes?.['type']?.StringValue).toBe('score.changed');
    expect(alert.MessageAttributes?.['traceparent']?.StringValue).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});

describe('the game topology: severe weather only reaches the severe queue', () => {
  it('routes weather.changed by intensity and time.changed to its two consumers', async () => {
    const mesh = await startMesh(gameTopology, 'local');
    try {
      const weather = mesh.publisher('weather-manager');
      const time = mesh.publisher('time-manager');
      const seen = new Map<string, string[]>();
      const record = (queue: string) => (event: { id: string }) => void seen.set(queue, [...(seen.get(queue) ?? []), event.id]);
      const subscriberFor = (service: string, key = 'main') =>
        new Subscriber({ catalog: gameEvents, sqs: mesh.broker.sqs, queueUrl: mesh.queueUrl(service, key), waitTimeSeconds: 1 });
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
