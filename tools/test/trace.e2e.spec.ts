// Tests: one event, one trace: weather-manager → SNS → SQS → sample-consumer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freeBasePort, waitFor } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack, type Stack } from '../stack/launchStack';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string>;
}

const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/**
 * An OTLP/HTTP receiver: what a collector would get. Decodes the JSON the exporters send
 * (`resourceSpans → scopeSpans → spans`, ids in hex) into flat spans, each with its service.
 */
async function startOtlpReceiver(): Promise<{ endpoint: string; spans: ReceivedSpan[]; contentTypes: Set<string>; stop(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''}`);
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        type Value = { stringValue?: string; intValue?: string | number };
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { resource: { attributes: { key: string; value: Value }[] }; scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: { key: string; value: Value }[] }[] }[] }[];
        };
        for (const resourceSpans of body.resourceSpans) {
          const service = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) {
              const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? '')]));
              spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, kind: span.kind, attributes });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

// One PUT /weather, followed across processes: the stack as npm start runs it, every service
// exporting its spans by the standard OTEL_* variables to a receiver this test runs.
describe('one event, one trace: weather-manager → SNS → SQS → sample-consumer', () => {
  let stack: Stack;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const output: string[] = [];
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    stack = await launchStack({
      root,
      emulatorPort: 0,
      basePort: await freeBasePort(),
      prefix: 'trace',
      serviceEnv: {
        'weather-manager': { ...otel, WEATHER_TICK_MS: '3600000' },
        'time-manager': { ...otel, CLOCK_GAME_MINUTES_PER_SECOND: '0.0001' },
        'sample-consumer': otel,
      },
      onLine: (service, line) => output.push(`${service} ${line}`),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await receiver?.stop();
  });

  it('links the HTTP request, the publish and the processing in both of sample-consumer\'s queues, and puts the trace id in both services\' logs', async () => {
    const response = await fetch(`${stack.service('weather-manager').url}/weather`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ condition: 'storm', intensity: 0.95, temperatureCelsius: 8 }),
    });
    expect(response.status).toBe(200);
    const { eventId } = (await response.json()) as { eventId: string };
    // Each service exports on its own schedule: wait for the producer's span and both consumers'.
    const { processed, publish } = await waitFor(
      () => {
        const found = receiver.spans.filter((s) => s.service === 'sample-consumer' && s.kind === SPAN_KIND.CONSUMER && s.attributes['messaging.message.id'] === eventId);
        const producer = receiver.spans.find((s) => s.service === 'weather-manager' && s.kind === SPAN_KIND.PRODUCER && s.attributes['messaging.message.id'] === eventId);
        const server = producer && receiver.spans.find((s) => s.spanId === producer.parentSpanId);
        // The SDK's client span can end up in the exporter's next batch: wait for it as well.
        const client = server && receiver.spans.some((s) => s.service === 'weather-manager' && s.kind === SPAN_KIND.CLIENT && s.name === 'SNS.PublishBatch' && s.traceId === server.traceId);
        return found.length === 2 && producer && server && client ? { processed: found, publish: producer } : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: `weather-manager's request, publish and SNS.PublishBatch spans and sample-consumer's two process spans of ${eventId}` },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; received: ${JSON.stringify([...receiver.contentTypes])} ${receiver.spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    });

    expect(publish?.name).toBe('publish trace-weather');
    expect(publish?.attributes['messaging.system']).toBe('aws_sns');
    const request = receiver.spans.find((s) => s.spanId === publish?.parentSpanId);
    expect(request).toMatchObject({ service: 'weather-manager', kind: SPAN_KIND.SERVER, name: 'PUT /weather' });
    // Both deliveries (main and severe) are children of the publish, in its trace.
    expect(processed.map((s) => s.name).sort()).toEqual(['process trace-sample-consumer', 'process trace-sample-consumer-severe']);
    for (const span of processed) {
      expect(span.traceId).toBe(request!.traceId);
      expect(span.parentSpanId).toBe(publish!.spanId);
      expect(span.attributes['messaging.operation.type']).toBe('process');
    }
    // The AWS calls are spans too: SNS from weather-manager, in the same trace.
    expect(receiver.spans.some((s) => s.service === 'weather-manager' && s.kind === SPAN_KIND.CLIENT && s.name === 'SNS.PublishBatch' && s.traceId === request!.traceId)).toBe(true);

    // A newcomer finds the trace id in the logs of both services.
    const traceId = request!.traceId;
    const logged = (service: string, message: string) => output.some((line) => line.startsWith(`${service} `) && line.includes(traceId) && line.includes(message));
    await waitFor(() => logged('sample-consumer', 'event handled'), { timeoutMs: 5_000, message: 'sample-consumer logging the handled event with the trace id' });
    await waitFor(() => logged('weather-manager', 'event published'), { timeoutMs: 5_000, message: 'weather-manager logging the published event with the trace id' });
  }, 60_000);
});
