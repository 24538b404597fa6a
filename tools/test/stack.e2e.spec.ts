// Tests: the whole stack, as npm start runs it.
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { waitFor } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack, type Stack } from '../stack/launchStack';
import { freeBasePort } from '@game-mesh/events/testing';
import { createAwsClients } from '@game-mesh/runtime';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface RecordedEvent {
  id: string;
  queue: string;
}

// The stack exactly as `npm start` runs it: embedded fauxqs, topology applied, three bundles as
// separate processes. Only the weather simulation is slowed down, so the test owns every change.
describe('the whole stack, as npm start runs it', () => {
  let stack: Stack;
  const output: string[] = [];
  beforeAll(async () => {
    stack = await launchStack({
      root,
      emulatorPort: 0,
      basePort: await freeBasePort(),
      prefix: 'e2e',
      serviceEnv: { 'weather-manager': { WEATHER_TICK_MS: '3600000' }, 'time-manager': { CLOCK_GAME_MINUTES_PER_SECOND: '0.01' } },
      onLine: (service, line) => output.push(`${service} ${line}`),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const url = (service: keyof Stack['services'], path: string) => `${stack.service(service).url}${path}`;
  const putWeather = async (intensity: number, condition = 'storm') => {
    const response = await fetch(url('weather-manager', '/weather'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ condition, intensity, temperatureCelsius: 9 }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { eventId: string }).eventId;
  };
  const recorded = async () => (await (await fetch(url('sample-consumer', '/events'))).json()) as RecordedEvent[];

  it('a weather change made through the HTTP API is recorded by sample-consumer within 2 s', async () => {
    const eventId = await putWeather(0.5, 'rain');
    const found = await waitFor(async () => (await recorded()).find((e) => e.id === eventId && e.queue === 'main'), { timeoutMs: 2_000, message: `sample-consumer recording ${eventId}` });
    expect(found.id).toBe(eventId);
  });

  it('a phase change from time-manager changes weather-manager’s transition probabilities', async () => {
    const weather = async () => (await (await fetch(url('weather-manager', '/weather'))).json()) as { phase: string; transitions: Record<string, number> };
    const before = await weather();
    expect(before.phase).toBe('dawn'); // time-manager announced 06:30 at start
    const response = await fetch(url('time-manager', '/time'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minuteOfDay: 720 }) });
    expect(response.status).toBe(200);
    const after = await waitFor(async () => {
      const w = await weather();
      return w.phase === 'day' ? w : undefined;
    });
    expect(after.transitions).not.toEqual(before.transitions);
    expect(after.transitions['fog']).toBeLessThan(before.transitions['fog']!);
  });

  it('the severe-weather subscription receives only intensity >= 0.8', async () => {
    const ids = { low: await putWeather(0.79), edge: await putWeather(0.8), high: await putWeather(0.95) };
    const severeOf = (events: RecordedEvent[]) => events.filter((e) => e.queue === 'severe').map((e) => e.id);
    await waitFor(async () => {
      const events = await recorded();
      const main = events.filter((e) => e.queue === 'main').map((e) => e.id);
      const severe = severeOf(events);
      return (Object.values(ids).every((id) => main.includes(id)) && severe.includes(ids.edge) && severe.includes(ids.high)) || undefined;
    });
    // Nothing left on its way in the severe queue: what has not arrived will not.
    const severeQueue = stack.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'severe')!;
    const { sqs } = createAwsClients({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: stack.endpoint });
    await waitFor(async () => {
      const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: severeQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return (a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0') || undefined;
    });
    sqs.destroy();
    const severe = severeOf(await recorded());
    expect(severe).toContain(ids.edge);
    expect(severe).toContain(ids.high);
    expect(severe).not.toContain(ids.low);
    const state = (await (await fetch(url('sample-consumer', '/state'))).json()) as { severeAlerts: number };
    expect(state.severeAlerts).toBe(severe.length);
  });

  it('sample-consumer killed and restarted: no event published meanwhile is lost', { timeout: 60_000 }, async () => {
    const consumer = stack.service('sample-consumer');
    consumer.process.kill('SIGKILL');
    await consumer.exited;
    const published: string[] = [];
    for (let i = 0; i < 5; i += 1) published.push(await putWeather(0.1 + i / 10, 'cloudy'));
    await stack.restart('sample-consumer');
    const seen = await waitFor(async () => {
      const main = (await recorded()).filter((e) => e.queue === 'main').map((e) => e.id);
      return published.every((id) => main.includes(id)) ? main : undefined;
      // A long poll the killed process left open may have taken some of them: they come back
      // once its visibility timeout (30 s) passes. Later than the rest, but not lost.
    }, { timeoutMs: 45_000, message: 'every event published while sample-consumer was down' });
    expect(seen).toEqual(expect.arrayContaining(published));
  });

  it('Ctrl-C: SIGTERM drains and every service exits 0', async () => {
    const services = Object.values(stack.services);
    await stack.stop();
    expect(services.length).toBeGreaterThanOrEqual(4);
    expect(await Promise.all(services.map((s) => s.exited))).toEqual(services.map(() => 0));
    expect(output.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(services.length);
  });
});
