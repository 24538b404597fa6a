// Tests: sample-consumer on fauxqs.
import { gameEvents, Publisher } from '@game-mesh/events';
import { startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConsumer } from '../src/service';
import type { RecordedEvent, WorldState } from '../src/WorldProjection';
import { declared } from '../src/declared';

const { declaration } = declared;

const state = (condition: 'rain' | 'storm', intensity: number) => ({ condition, intensity, temperatureCelsius: 10 });

describe('sample-consumer on fauxqs', () => {
  let mesh: GameMesh;
  let service: StartedService;
  let base: string;
  let weather: Publisher<typeof gameEvents>;
  beforeAll(async () => {
    mesh = await startGameMesh([declaration]);
    service = await startService(sampleConsumer, mesh.envFor('sample-consumer', { LIVE_STATS_INTERVAL_MS: '100' }), () => undefined);
    base = `http://127.0.0.1:${service.port}`;
    weather = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
  });
  afterAll(async () => {
    await service.shutdown();
    await mesh.stop();
  });

  const events = async () => (await (await fetch(`${base}/events`)).json()) as RecordedEvent[];

  it('projects the world and receives only severe weather on the severe queue', async () => {
    const mild = await weather.publish('weather.changed', { previous: state('rain', 0.2), current: state('rain', 0.79), cause: 'simulation' });
    const severe = await weather.publish('weather.changed', { previous: state('rain', 0.79), current: state('storm', 0.8), cause: 'simulation' });
    const recorded = await waitFor(async () => {
      const list = await events();
      return list.filter((e) => e.queue === 'main').length === 2 && list.some((e) => e.queue === 'severe') ? list : undefined;
    });
    expect(recorded.filter((e) => e.queue === 'severe').map((e) => e.id)).toEqual([severe.id]);
    expect(recorded.filter((e) => e.queue === 'main').map((e) => e.id).sort()).toEqual([mild.id, severe.id].sort());
    expect(recorded.every((e) => e.latencyMs >= 0)).toBe(true);
    const world = (await (await fetch(`${base}/state`)).json()) as WorldState;
    expect(world).toMatchObject({ weather: { condition: 'storm', intensity: 0.8 }, severeAlerts: 1 });
  });

  it('streams events and queue depths to the live page over server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/live/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const published = await weather.publish('weather.changed', { previous: state('storm', 0.8), current: state('rain', 0.3), cause: 'simulation' });
    await waitFor(async () => {
      const { value } = await reader.read();
      text += decoder.decode(value);
      return text.includes(published.id) && text.includes('event: queues') ? true : undefined;
    });
    controller.abort();
    expect(text).toMatch(/^event: snapshot\ndata: /);
    expect(text).toContain('"main-dlq":{"visible":0');
  });

  it('serves the live page', async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('<title>Game event mesh — live</title>');
    expect(page).toContain("new EventSource('/live/stream')");
  });
});
