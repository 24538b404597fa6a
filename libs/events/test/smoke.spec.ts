import { describe, expect, it } from 'vitest';
import { startTestBroker, waitFor } from '../src/testing';
import { applyTopology, gameEvents, gameTopology, Publisher, resolveTopology, Subscriber } from '../src';

describe('smoke', () => {
  it('flows', async () => {
    const broker = await startTestBroker();
    const report = await applyTopology({ sns: broker.sns, sqs: broker.sqs, topology: resolveTopology(gameTopology, { prefix: 'test' }) });
    const env = report.environment['sample-consumer']!;
    const pub = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: broker.sns, topicArns: { weather: report.topicArns['weather']! } } });
    const got: unknown[] = [];
    const sub = new Subscriber({ catalog: gameEvents, sqs: broker.sqs, queueUrl: env['EVENTS_QUEUE_URL']! });
    sub.subscribe('weather.changed', (e) => { got.push(e); });
    sub.subscribe('time.changed', () => undefined);
    await sub.start();
    const r = await pub.publish('weather.changed', { previous: { condition: 'clear', intensity: 0.1, temperatureCelsius: 10 }, current: { condition: 'rain', intensity: 0.5, temperatureCelsius: 9 }, cause: 'simulation' });
    await waitFor(() => got.length === 1 || undefined);
    console.log(r, got);
    await sub.stop();
    expect(got).toHaveLength(1);
    await broker.stop();
  });
});
