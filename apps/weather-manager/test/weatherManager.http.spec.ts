// Tests: weather-manager over HTTP, on fauxqs.
import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { gameEvents, Publisher } from '@game-mesh/events';
import { listener, startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weatherManager } from '../src/service';
import { declared } from '../src/declared';

const { declaration } = declared;

describe('weather-manager over HTTP, on fauxqs', () => {
  let mesh: GameMesh;
  let service: StartedService;
  let base: string;
  beforeAll(async () => {
    mesh = await startGameMesh([declaration, listener(['weather.changed'])]);
    // A tick of an hour: only what the test does changes the weather.
    service = await startService(weatherManager, mesh.envFor('weather-manager', { WEATHER_TICK_MS: '3600000' }), () => undefined);
    base = `http://127.0.0.1:${service.port}`;
  });
  afterAll(async () => {
    await service.shutdown();
    await mesh.stop();
  });

  const getWeather = async () => (await (await fetch(`${base}/weather`)).json()) as { phase: string; season: string; condition: string; transitions: Record<string, number> };
  const put = (body: unknown) => fetch(`${base}/weather`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('changes its transition probabilities when time-manager announces a new phase', async () => {
    const before = await getWeather();
    expect(before).toMatchObject({ phase: 'day', season: 'spring' });
    const clock = new Publisher({ catalog: gameEvents, source: 'time-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
    const dawn = await clock.publish('time.changed', { phase: 'dawn', previousPhase: 'night', day: 10, minuteOfDay: 300, season: 'autumn', cause: 'clock' }, { correlationId: 'day-10' });
    const after = await waitFor(async () => {
      const weather = await getWeather();
      return weather.phase === 'dawn' ? weather : undefined;
    });
    expect(after.season).toBe('autumn');
    expect(after.transitions['fog']).toBeGreaterThan(before.transitions['fog']!);
    // The weather steps at once, and says why: published while handling time.changed.
    const reaction = await waitFor(async () => {
      const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: mesh.report.environment['listener']!['EVENTS_QUEUE_URL'], WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }));
      return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { causationId?: string; correlationId: string; data: { cause: string } }).find((e) => e.causationId === dawn.id);
    });
    expect(reaction).toMatchObject({ correlationId: 'day-10', data: { cause: 'simulation' } });
  });

  it('publishes the operator override with previous and current state', async () => {
    const { condition, intensity, temperatureCelsius } = (await getWeather()) as unknown as { condition: string; intensity: number; temperatureCelsius: number };
    const response = await put({ condition: 'storm', intensity: 0.9, temperatureCelsius: 11.5 });
    expect(response.status).toBe(200);
    const { eventId } = (await response.json()) as { eventId: string };
    const queueUrl = mesh.report.environment['listener']!['EVENTS_QUEUE_URL'];
    const event = await waitFor(async () => {
      const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }));
      return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; data: unknown }).find((e) => e.id === eventId);
    });
    expect(event.data).toEqual({
      previous: { condition, intensity, temperatureCelsius },
      current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 11.5 },
      cause: 'operator',
    });
    expect(await getWeather()).toMatchObject({ condition: 'storm' });
  });

  it.each([
    [{ condition: 'hail', intensity: 0.5, temperatureCelsius: 1 }, 'condition'],
    [{ condition: 'rain', intensity: 1.5, temperatureCelsius: 1 }, 'intensity'],
    [{ condition: 'rain', intensity: 0.5 }, 'temperatureCelsius'],
    [{ condition: 'rain', intensity: 0.5, temperatureCelsius: 1, wind: 3 }, '(body)'],
  ])('refuses %j with 400 naming %s, publishing nothing', async (body, field) => {
    const response = await put(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(field);
  });

  it('counts what it published and consumed in /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/events_published_total\{type="weather.changed",service="weather-manager"\} 2/);
    expect(text).toMatch(/events_consumed_total\{type="time.changed",queue="main",service="weather-manager"\} 1/);
    expect(text).toMatch(/event_queue_messages\{queue="main-dlq",state="visible",service="weather-manager"\} 0/);
  });

  // Last: it takes the topic away.
  it('changes nothing when the override cannot be published: 503 with the reason, the weather as it was', async () => {
    const before = (await getWeather()) as unknown as { condition: string; intensity: number; temperatureCelsius: number };
    await mesh.broker.sns.send(new DeleteTopicCommand({ TopicArn: mesh.report.topicArns['weather'] }));
    const response = await put({ condition: 'fog', intensity: 0.3, temperatureCelsius: 4 });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'not published: the weather is unchanged', reason: expect.any(String) });
    expect(await getWeather()).toMatchObject({ condition: before.condition, intensity: before.intensity, temperatureCelsius: before.temperatureCelsius });
  }, 30_000);
});
