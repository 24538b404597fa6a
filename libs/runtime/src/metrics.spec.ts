// Tests: EventMetrics.
import { gameEvents, Subscriber } from '@game-mesh/events';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { EventMetrics } from './metrics';

// No broker needed: the subscriber is only an event source here; what is checked is which label
// values reach the registry.
describe('EventMetrics', () => {
  it('keeps the series of dead-lettered events bounded under made-up types: labels come from the catalog, else "unknown"', async () => {
    const metrics = new EventMetrics('probe');
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const subscriber = new Subscriber({ catalog: gameEvents, sqs, queueUrl: 'http://127.0.0.1:9/000000000000/probe' });
    metrics.observeSubscriber(subscriber, 'main');
    for (let i = 0; i < 20; i++) subscriber.emit('dead-lettered', { messageId: `m${i}`, code: 'UNKNOWN_EVENT_TYPE', reason: 'made up', via: 'copy', type: `made.up${i}` });
    subscriber.emit('dead-lettered', { messageId: 'real', code: 'EVENT_DATA_INVALID', reason: 'bad data', via: 'copy', type: 'weather.changed' });
    const values = (await metrics.registry.getSingleMetric('events_dead_lettered_total')!.get()).values;
    expect(values.map((v) => [v.labels['type'], v.value]).sort()).toEqual([
      ['unknown', 20],
      ['weather.changed', 1],
    ]);
    sqs.destroy();
  });
});
