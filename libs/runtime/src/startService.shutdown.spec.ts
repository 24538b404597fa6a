// Tests: shutdown of a service with two busy queues and an open stream.
import { gameEvents, parseServiceDeclaration, Publisher } from '@game-mesh/events';
import { startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineService } from './serviceDefinition';
import { startService, type StartedService } from './startService';

const weatherV1 = gameEvents['weather.changed'].versions[1].schema;
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
    const started: { service?: StartedService } = {};
    const drainedWhileOtherPolled: string[] = [];
    const slowHandler = (queue: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Each queue's last handler finishes during shutdown: by then every queue has stopped polling.
      const other = started.service?.subscribers[queue === 'main' ? 'severe' : 'main'];
      if (other?.isRunning === true && !running) drainedWhileOtherPolled.push(queue);
    };
    let running = true;
    let streamClosed = false;
    const definition = defineService({
      declared: { catalog: gameEvents, declaration: twoQueues, publishes: [], readers: { main: { 'weather.changed': weatherV1 }, severe: { 'weather.changed': weatherV1 } } },
      build: ({ streams }) => ({
        handlers: { main: { 'weather.changed': slowHandler('main') }, severe: { 'weather.changed': slowHandler('severe') } },
        routes: (app) => app.get('/stream', (_req, res) => void streams.attach(res, () => (streamClosed = true))),
      }),
    });
    let exitCode: number | undefined;
    const service = await startService(definition, mesh.envFor('sample-consumer'), (code) => (exitCode = code));
    started.service = service;
    const stream = await fetch(`http://127.0.0.1:${service.port}/stream`);
    expect(stream.status).toBe(200);
    const publisher = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
    let handling = 0;
    for (const subscriber of Object.values(service.subscribers)) subscriber.on('received', () => (handling += 1));
    await Promise.all(Array.from({ length: 20 }, () => publisher.publish('weather.changed', storm)));
    await waitFor(() => handling >= 2 || undefined);
    running = false;
    await service.shutdown();
    expect(exitCode).toBe(0);
    expect(streamClosed).toBe(true);
    expect(drainedWhileOtherPolled).toEqual([]);
  });
});
