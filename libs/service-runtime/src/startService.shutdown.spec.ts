import { gameEvents, parseServiceDeclaration, Publisher, Subscriber, type GameEvents } from '@game-mesh/events';
import { startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type z } from 'zod';
import { baseEnvSchema, queueUrlSchema } from './config';
import { startService, type ServiceDefinition } from './startService';

const env = baseEnvSchema(0).extend({ EVENTS_QUEUE_URL: queueUrlSchema, EVENTS_QUEUE_URL_SEVERE: queueUrlSchema });
type Env = z.output<typeof env>;
const twoQueues = parseServiceDeclaration(
  { name: 'sample-consumer', description: 'A consumer with two queues.', port: 3999, consumes: { main: { subscriptions: [{ type: 'weather.changed' }] }, severe: { subscriptions: [{ type: 'weather.changed' }] } } },
  'test declaration',
);
const storm = { previous: { condition: 'rain', intensity: 0.5, temperatureCelsius: 10 }, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 9 }, cause: 'operator' } as const;

describe('shutdown of a service with two busy queues and an open stream', () => {
  let mesh: GameMesh;
  beforeEach(async () => {
    mesh = await startGameMesh([twoQueues]);
  });
  afterEach(() => mesh.stop());

  it('stops polling every queue at once, drains them together, and closes open streams', async () => {
    const subscribers: Record<string, Subscriber<GameEvents>> = {};
    const drainedWhileOtherPolled: string[] = [];
    const slowHandler = (queue: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Each queue's last handler finishes during shutdown: by then every queue has stopped polling.
      const other = queue === 'main' ? subscribers['severe'] : subscribers['main'];
      if (other?.isRunning === true && !running) drainedWhileOtherPolled.push(queue);
    };
    let running = true;
    let streamClosed = false;
    const definition: ServiceDefinition<Env, GameEvents> = {
      name: 'sample-consumer',
      envSchema: env,
      build: ({ config, clients, streams }) => {
        for (const [key, url] of [['main', config.EVENTS_QUEUE_URL], ['severe', config.EVENTS_QUEUE_URL_SEVERE]] as const) {
          subscribers[key] = new Subscriber({ catalog: gameEvents, sqs: clients!.sqs, queueUrl: url!, waitTimeSeconds: 1 }).subscribe('weather.changed', slowHandler(key));
        }
        return {
          subscribers: Object.fromEntries(Object.entries(subscribers).map(([key, subscriber]) => [key, { subscriber, queueUrl: key === 'main' ? config.EVENTS_QUEUE_URL! : config.EVENTS_QUEUE_URL_SEVERE! }])),
          routes: (app) => app.get('/stream', (_req, res) => void streams.attach(res, () => (streamClosed = true))),
        };
      },
    };
    let exitCode: number | undefined;
    const service = await startService(definition, mesh.envFor('sample-consumer'), (code) => (exitCode = code));
    const stream = await fetch(`http://127.0.0.1:${service.port}/stream`);
    expect(stream.status).toBe(200);
    const publisher = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
    let handling = 0;
    for (const subscriber of Object.values(subscribers)) subscriber.on('received', () => (handling += 1));
    await Promise.all(Array.from({ length: 20 }, () => publisher.publish('weather.changed', storm)));
    await waitFor(() => handling >= 2 || undefined);
    running = false;
    await service.shutdown();
    expect(exitCode).toBe(0);
    expect(streamClosed).toBe(true);
    expect(drainedWhileOtherPolled).toEqual([]);
  });
});
