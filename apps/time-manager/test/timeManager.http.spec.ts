// Tests: time-manager over HTTP, publishing to fauxqs.
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { listener, startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeManager } from '../src/service';
import { declared } from '../src/declared';

const { declaration } = declared;

describe('time-manager over HTTP, publishing to fauxqs', () => {
  let mesh: GameMesh;
  let service: StartedService;
  let base: string;
  const exits: number[] = [];
  beforeAll(async () => {
    mesh = await startGameMesh([declaration, listener(['time.changed'])]);
    service = await startService(timeManager, mesh.envFor('time-manager', { CLOCK_GAME_MINUTES_PER_SECOND: '0.001' }), (code) => void exits.push(code));
    base = `http://127.0.0.1:${service.port}`;
  });
  afterAll(async () => {
    await service.shutdown();
    await mesh.stop();
  });

  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function receivedTimeEvents(): Promise<{ id: string; data: { phase: string; cause: string; day: number } }[]> {
    const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: mesh.report.environment['listener']!['EVENTS_QUEUE_URL'], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; data: { phase: string; cause: string; day: number } });
  }

  it('announces the current phase at start and serves GET /time', async () => {
    const events = await waitFor(async () => {
      const received = await receivedTimeEvents();
      return received.length > 0 ? received : undefined;
    });
    expect(events[0]?.data).toMatchObject({ phase: 'dawn', day: 1, cause: 'clock' });
    expect(await (await send('GET', '/time')).json()).toMatchObject({ day: 1, clock: '06:30', phase: 'dawn' });
  });

  it('publishes time.changed when an operator sets the clock', async () => {
    const response = await send('PUT', '/time', { day: 4, minuteOfDay: 1_250 });
    expect(response.status).toBe(200);
    const { eventId } = (await response.json()) as { eventId: string };
    const events = await waitFor(async () => {
      const received = await receivedTimeEvents();
      return received.some((e) => e.id === eventId) ? received : undefined;
    });
    expect(events.find((e) => e.id === eventId)?.data).toMatchObject({ phase: 'night', day: 4, cause: 'operator' });
  });

  it('pauses, resumes and rescales (pause and resume need no body)', async () => {
    expect((await fetch(`${base}/time/pause`, { method: 'POST' })).status).toBe(200);
    expect(await (await send('POST', '/time/pause')).json()).toMatchObject({ paused: true });
    expect(await (await send('POST', '/time/resume')).json()).toMatchObject({ paused: false });
    expect(await (await send('PUT', '/time/scale', { gameMinutesPerSecond: 60 })).json()).toMatchObject({ gameMinutesPerSecond: 60 });
  });

  it.each([
    ['PUT', '/time', { minuteOfDay: 1_440 }, 'minuteOfDay'],
    ['PUT', '/time', { day: 0 }, 'day'],
    ['PUT', '/time', {}, '(body)'],
    ['PUT', '/time', { hour: 3 }, '(body)'],
    ['PUT', '/time/scale', { gameMinutesPerSecond: -1 }, 'gameMinutesPerSecond'],
    ['PUT', '/time/scale', { gameMinutesPerSecond: '10' }, 'gameMinutesPerSecond'],
  ])('%s %s %j → 400 naming %s', async (method, path, body, field) => {
    const response = await send(method, path, body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { issues: { path: string }[] };
    expect(json.issues.map((i) => i.path)).toContain(field);
  });

  it('is ready while its topic answers', async () => {
    const ready = await send('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { topic: 'ok', publishing: 'ok' } });
    expect(exits).toEqual([]);
  });

  it('refuses a time the clock could not publish from (bounded by the contract), and says so', async () => {
    const response = await send('PUT', '/time', { day: Number.MAX_SAFE_INTEGER });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/"path":"day".*could not publish time.changed/);
    expect(((await (await send('GET', '/time')).json()) as { day: number }).day).toBeLessThan(1_000);
  });
});

describe('time-manager whose publishes fail', () => {
  it('logs and counts every failed publish and reports publishing as failing until one succeeds', async () => {
    const mesh = await startGameMesh([declaration], 'failing');
    const missingTopic = mesh.report.topicArns['time']!.replace(/:failing-time$/, ':failing-nowhere');
    const service = await startService(timeManager, mesh.envFor('time-manager', { EVENTS_TOPIC_ARN: missingTopic, CLOCK_GAME_MINUTES_PER_SECOND: '0.001' }), () => undefined);
    const base = `http://127.0.0.1:${service.port}`;
    try {
      const before = (await (await fetch(`${base}/time`)).json()) as { minuteOfDay: number };
      const put = await fetch(`${base}/time`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minuteOfDay: 700 }) });
      // Atomic: not published, so not changed; 503 with the reason.
      expect(put.status).toBe(503);
      expect(await put.json()).toMatchObject({ error: 'not published: the clock is unchanged', reason: 'PUBLISH_REJECTED' });
      expect(((await (await fetch(`${base}/time`)).json()) as { minuteOfDay: number }).minuteOfDay).toBe(before.minuteOfDay);
      const ready = (await (await fetch(`${base}/ready`)).json()) as { checks: Record<string, string> };
      expect(ready.checks['publishing']).toBe('failing');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/events_publish_failures_total\{[^}]*type="time.changed"[^}]*reason="PUBLISH_REJECTED"[^}]*\} [1-9]/);
      await mesh.broker.sns.send(new CreateTopicCommand({ Name: 'failing-nowhere' }));
      await fetch(`${base}/time`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minuteOfDay: 800 }) });
      const after = (await (await fetch(`${base}/ready`)).json()) as { checks: Record<string, string> };
      expect(after.checks['publishing']).toBe('ok');
    } finally {
      await service.shutdown();
      await mesh.stop();
    }
  });
});
