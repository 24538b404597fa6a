// Tests: starvation is visible: the oldest running handler's age in /metrics, and /ready failing
// once every handler slot has been held past its bound.
import { gameEvents, parseServiceDeclaration, Publisher } from '@game-mesh/events';
import { startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineService } from './serviceDefinition';
import { startService } from './startService';

const declaration = parseServiceDeclaration(
  { name: 'sample-consumer', description: 'A consumer whose handler hangs.', port: 3999, consumes: { main: { subscriptions: [{ type: 'weather.changed' }] } } },
  'test declaration',
);
const storm = { previous: { condition: 'rain', intensity: 0.5, temperatureCelsius: 10 }, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 9 }, cause: 'operator' } as const;

describe('a service whose every handler slot is held by a handler that never ends', () => {
  let mesh: GameMesh;
  beforeEach(async () => {
    mesh = await startGameMesh([declaration]);
  });
  afterEach(() => mesh.stop());

  it('shows the oldest handler\'s age in /metrics and fails /ready once every slot is held past starvedAfterMs', async () => {
    const hung = defineService({
      declared: { catalog: gameEvents, declaration, publishes: [], readers: { main: { 'weather.changed': gameEvents['weather.changed'].versions[1].schema } } },
      consume: { concurrency: 2, starvedAfterMs: 300 },
      build: () => ({ handlers: { main: { 'weather.changed': () => new Promise<void>(() => undefined) } }, routes: () => undefined }),
    });
    const service = await startService(hung, mesh.envFor('sample-consumer', { SHUTDOWN_TIMEOUT_MS: '1000' }), () => undefined);
    const base = `http://127.0.0.1:${service.port}`;
    try {
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      const weather = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
      await Promise.all([weather.publish('weather.changed', storm), weather.publish('weather.changed', storm)]);
      const ready = await waitFor(async () => {
        const response = await fetch(`${base}/ready`);
        return response.status === 503 ? ((await response.json()) as { checks: Record<string, string> }) : undefined;
      }, { timeoutMs: 10_000, message: '/ready failing on starvation' });
      // Still consuming (its poll runs), but nothing new can be handled.
      expect(ready.checks).toMatchObject({ 'consuming:main': 'ok', 'handlers:main': 'failing' });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const age = Number(/event_handler_oldest_running_seconds\{queue="main",service="sample-consumer"\} ([\d.]+)/.exec(metrics)?.[1]);
      expect(age).toBeGreaterThan(0.3);
    } finally {
      await service.shutdown();
    }
  });
});
