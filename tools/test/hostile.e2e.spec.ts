// Tests: hostile input, against the running stack.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_CODES } from '@game-mesh/events';
import { freeBasePort, waitFor } from '@game-mesh/events/testing';
import { createAwsClients } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack, type Stack } from '../stack/launchStack';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Hostile input against the stack as `npm start` runs it: what an outside review sent, and more.
// Nothing crashes; every bad message is dead-lettered once, with its own reason; the projection and
// the metrics are unchanged by it; good events keep flowing. Only 127.0.0.1 is ever addressed.
describe('hostile input, against the running stack', () => {
  let stack: Stack;
  let sqs: SQSClient;
  beforeAll(async () => {
    stack = await launchStack({
      root,
      emulatorPort: 0,
      basePort: await freeBasePort(),
      prefix: 'hostile',
      serviceEnv: { 'weather-manager': { WEATHER_TICK_MS: '3600000' }, 'time-manager': { CLOCK_GAME_MINUTES_PER_SECOND: '0.01' } },
    });
    sqs = createAwsClients({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: stack.endpoint }).sqs;
  }, 60_000);
  afterAll(async () => {
    sqs?.destroy();
    await stack?.stop();
  });

  const url = (service: string, path: string) => `${stack.service(service).url}${path}`;
  const json = async <T>(service: string, path: string) => (await (await fetch(url(service, path))).json()) as T;
  const mainQueue = () => stack.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')!;
  const envelope = (overrides: Record<string, unknown>) => {
    const id = randomUUID();
    return {
      specversion: '1.0',
      id,
      type: 'weather.changed',
      version: 1,
      source: 'weather-manager',
      time: new Date().toISOString(),
      correlationId: id,
      data: { previous: { condition: 'clear', intensity: 0.1, temperatureCelsius: 10 }, current: { condition: 'storm', intensity: 0.99, temperatureCelsius: 59 }, cause: 'operator' },
      ...overrides,
    };
  };

  it('dead-letters every kind of poison once, with its reason; the projection and the metric series stay as they were; good events flow', async () => {
    const before = await json<{ weather: unknown; eventsApplied: number }>('sample-consumer', '/state');
    const poison: { label: string; body: string; code: string; type: string }[] = [
      { label: 'malformed JSON', body: 'not json {', code: 'MALFORMED_JSON', type: 'weather.changed' },
      { label: 'not an envelope', body: JSON.stringify({ hello: 'world' }), code: 'INVALID_ENVELOPE', type: 'weather.changed' },
      { label: 'unknown version', body: JSON.stringify(envelope({ version: 9 })), code: 'UNKNOWN_EVENT_VERSION', type: 'weather.changed' },
      { label: 'invalid data', body: JSON.stringify(envelope({ data: { current: { condition: 'hail' } } })), code: 'EVENT_DATA_INVALID', type: 'weather.changed' },
      { label: 'a foreign source', body: JSON.stringify(envelope({ source: 'mallory' })), code: 'FOREIGN_SOURCE', type: 'weather.changed' },
      { label: 'a time in 2099', body: JSON.stringify(envelope({ time: '2099-01-01T00:00:00Z' })), code: 'TIME_IN_FUTURE', type: 'weather.changed' },
      { label: 'an oversized correlationId', body: JSON.stringify(envelope({ correlationId: 'c'.repeat(200_000) })), code: 'INVALID_ENVELOPE', type: 'weather.changed' },
      ...Array.from({ length: 20 }, (_, i) => ({ label: `made-up type ${i}`, body: JSON.stringify(envelope({ type: `made.up${i}` })), code: 'UNKNOWN_EVENT_TYPE', type: `made.up${i}` })),
    ];
    for (const p of poison) {
      await sqs.send(new SendMessageCommand({ QueueUrl: mainQueue().url, MessageBody: p.body, MessageAttributes: { type: { DataType: 'String', StringValue: p.type } } }));
    }
    // A real change, through weather-manager, after the poison.
    const put = await fetch(url('weather-manager', '/weather'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ condition: 'rain', intensity: 0.4, temperatureCelsius: 12 }) });
    expect(put.status).toBe(200);
    const { eventId } = (await put.json()) as { eventId: string };

    // Every poison message in the DLQ exactly once, with the reason it earned.
    const parked = new Map<string, string[]>();
    await waitFor(
      async () => {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: mainQueue().deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300, MessageAttributeNames: ['All'] }));
        for (const m of out.Messages ?? []) parked.set(m.Body ?? '', [...(parked.get(m.Body ?? '') ?? []), m.MessageAttributes?.['deadLetterReason']?.StringValue ?? '']);
        return [...parked.values()].flat().length >= poison.length || undefined;
      },
      { timeoutMs: 20_000, message: `${poison.length} messages in the DLQ` },
    );
    for (const p of poison) expect({ label: p.label, reasons: (parked.get(p.body) ?? []).map((r) => r.split(':')[0]) }).toEqual({ label: p.label, reasons: [p.code] });
    expect([...parked.values()].flat()).toHaveLength(poison.length);

    // The good event is applied; nothing hostile moved the projection (no storm, no 2099).
    const after = await waitFor(async () => {
      const state = await json<{ weather: { condition: string; temperatureCelsius: number; since: string } | null; eventsApplied: number }>('sample-consumer', '/state');
      return state.weather?.condition === 'rain' ? state : undefined;
    });
    expect(after.weather).toMatchObject({ condition: 'rain', intensity: 0.4, temperatureCelsius: 12 });
    expect(Date.parse(after.weather!.since)).toBeLessThan(Date.now() + 1_000);
    expect(after.eventsApplied).toBe(before.eventsApplied + 1);
    expect((await json<{ id: string }[]>('sample-consumer', '/events')).some((e) => e.id === eventId)).toBe(true);

    // Label values come from the catalog: twenty made-up types are one "unknown" series.
    const metrics = await (await fetch(url('sample-consumer', '/metrics'))).text();
    const series = metrics.split('\n').filter((line) => line.startsWith('events_dead_lettered_total{'));
    const types = new Set(series.map((line) => /type="([^"]*)"/.exec(line)?.[1]));
    expect([...types].every((type) => ['weather.changed', 'time.changed', 'unknown'].includes(type ?? ''))).toBe(true);
    expect(series.length).toBeLessThanOrEqual(3 * DEAD_LETTER_CODES.length);
    expect(series.some((line) => line.includes('code="FOREIGN_SOURCE"'))).toBe(true);

    // Nothing crashed: every service still answers ready.
    for (const service of Object.keys(stack.services)) expect((await fetch(url(service, '/ready'))).status).toBe(200);
  }, 60_000);

  /** A request with the Host and Origin a DNS-rebinding page sends (fetch cannot set Host). */
  const rebound = (service: string, path: string, method: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const { port } = stack.service(service);
      const call = request({ host: '127.0.0.1', port, path, method, headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      call.once('error', reject);
      call.end(body);
    });

  it('refuses operator writes from a rebound name and from other sites, and leaves the state alone', async () => {
    const before = await json<{ condition: string }>('weather-manager', '/weather');
    expect(await rebound('weather-manager', '/weather', 'PUT', JSON.stringify({ condition: 'snow', intensity: 0.9, temperatureCelsius: -5 }))).toBe(403);
    expect(await rebound('time-manager', '/time/pause', 'POST', '')).toBe(403);
    const crossSite = await fetch(url('weather-manager', '/weather'), { method: 'PUT', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ condition: 'snow', intensity: 0.9, temperatureCelsius: -5 }) });
    expect(crossSite.status).toBe(403);
    expect((await json<{ condition: string }>('weather-manager', '/weather')).condition).toBe(before.condition);
    expect((await json<{ paused: boolean }>('time-manager', '/time')).paused).toBe(false);
  });

  it('holds the live streams one client may open to its cap, and stays ready with slow readers attached', async () => {
    const { port } = stack.service('sample-consumer');
    const holders: ReturnType<typeof request>[] = [];
    const open = () =>
      new Promise<number>((resolve, reject) => {
        const call = request({ host: '127.0.0.1', port, path: '/live/stream' }, (res) => {
          res.pause(); // never reads
          resolve(res.statusCode!);
        });
        call.once('error', reject);
        call.end();
        holders.push(call);
      });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push(await open());
      expect(statuses).toEqual([200, 200, 200, 200, 200, 503]);
      for (let i = 0; i < 20; i++) {
        await fetch(url('weather-manager', '/weather'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ condition: 'cloudy', intensity: i / 20, temperatureCelsius: 10 }) });
      }
      expect((await fetch(url('sample-consumer', '/ready'))).status).toBe(200);
    } finally {
      for (const call of holders) call.destroy();
    }
  }, 30_000);
});
