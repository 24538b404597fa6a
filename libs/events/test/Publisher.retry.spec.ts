// Tests: publish retries through a faulty network.
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher, PublishRejectedError, PublishTimeoutError, type Logger } from '../src';
import { startFaultProxy, waitFor, type FaultProxy } from '../src/testing';
import { startMesh, testEvents, testTopology, type Mesh, type TestEvents } from './mesh';

const score = (points: number) => ({ playerId: 'ada', points, bonus: false });

describe('publish retries through a faulty network', () => {
  let mesh: Mesh<TestEvents>;
  let proxy: FaultProxy;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
    proxy = await startFaultProxy(mesh.broker.endpoint);
  });
  afterAll(async () => {
    await proxy.stop();
    await mesh.stop();
  });

  it.each([
    ['5xx', 503 as const],
    ['throttling', 'throttle' as const],
  ])('retries %s with backoff and resolves once SNS acknowledged', async (_label, status) => {
    proxy.set({});
    const { sns } = mesh.clientsVia(proxy.endpoint);
    const publisher = mesh.publisher('scorer', { retryBaseMs: 5 }, sns);
    const retries: number[] = [];
    publisher.on('publish-retried', ({ attempt }) => retries.push(attempt));
    proxy.failNext(3, status);
    const result = await publisher.publish('score.changed', score(1));
    expect(result.messageId).toBeDefined();
    expect(retries).toEqual([1, 2, 3]);
  });

  it('retries connection resets', async () => {
    proxy.set({ resetRate: 1, actions: /Publish/ });
    const { sns } = mesh.clientsVia(proxy.endpoint);
    const publisher = mesh.publisher('scorer', { retryBaseMs: 5, deadlineMs: 10_000 }, sns);
    let retried = 0;
    publisher.on('publish-retried', () => {
      retried += 1;
      if (retried === 2) proxy.set({});
    });
    const result = await publisher.publish('score.changed', score(2));
    expect(result.messageId).toBeDefined();
    expect(retried).toBeGreaterThanOrEqual(2);
  });

  it('gives up at the deadline with a typed error naming the event id, and reports the failure', async () => {
    proxy.set({ errorRate: 1, errorStatus: 500 });
    const { sns } = mesh.clientsVia(proxy.endpoint);
    const publisher = mesh.publisher('scorer', { retryBaseMs: 5, retryMaxMs: 20, deadlineMs: 200 }, sns);
    const failures: string[] = [];
    publisher.on('publish-failed', ({ envelope }) => failures.push(envelope?.id ?? ''));
    const error = await publisher.publish('score.changed', score(3), { id: '6c1f4b1e-8d0a-4b8e-9a57-1b2d3c4d5e6f' }).catch((e: unknown) => e);
    proxy.set({});
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({ code: 'PUBLISH_DEADLINE_EXCEEDED', eventIds: ['6c1f4b1e-8d0a-4b8e-9a57-1b2d3c4d5e6f'] });
    expect((error as Error).message).toContain('6c1f4b1e-8d0a-4b8e-9a57-1b2d3c4d5e6f');
    expect((error as Error).cause).toBeDefined();
    expect(failures).toEqual(['6c1f4b1e-8d0a-4b8e-9a57-1b2d3c4d5e6f']);
  });

  it('does not retry what SNS refuses as a client error', async () => {
    proxy.set({});
    const publisher = new Publisher({
      catalog: testEvents,
      source: 'scorer',
      transport: { mode: 'sns', sns: mesh.clientsVia(proxy.endpoint).sns, topicArns: { scores: 'arn:aws:sns:us-east-1:000000000000:no-such-topic' } },
    });
    let retried = 0;
    publisher.on('publish-retried', () => (retried += 1));
    const error = await publisher.publish('score.changed', score(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect(error).toMatchObject({ code: 'PUBLISH_REJECTED' });
    expect(retried).toBe(0);
  });
});

describe('validation and ownership', () => {
  const logOnly = () => new Publisher({ catalog: testEvents, source: 'scorer', transport: { mode: 'log-only' } });

  it('refuses a wrong shape at run time, naming the field', async () => {
    const bad = { playerId: 'ada', points: 'many', bonus: false } as unknown as ReturnType<typeof score>;
    await expect(logOnly().publish('score.changed', bad)).rejects.toThrow(/Invalid data for score.changed v2: points: Invalid input: expected number/);
  });

  it('refuses a type this service does not produce', async () => {
    await expect(logOnly().publish('match.ended', { matchId: 'm', winner: 'w' })).rejects.toMatchObject({ code: 'NOT_PRODUCER' });
  });

  it('refuses sns mode without the ARN of its topic, listing every problem', () => {
    expect(() => new Publisher({ catalog: testEvents, source: 'scorer', transport: { mode: 'sns', sns: undefined as never, topicArns: {} }, batchWindowMs: -1 })).toThrow(
      /topicArns.scores must be the ARN[\s\S]*batchWindowMs must be a number ≥ 0/,
    );
  });
});

describe('log-only mode', () => {
  it('says loudly at start that nothing is published and logs every event in full', async () => {
    const lines: { level: string; object: Record<string, unknown>; message?: string }[] = [];
    const logger: Logger = {
      debug: (object, message) => lines.push({ level: 'debug', object: object as Record<string, unknown>, message }),
      info: (object, message) => lines.push({ level: 'info', object: object as Record<string, unknown>, message }),
      warn: (object, message) => lines.push({ level: 'warn', object: object as Record<string, unknown>, message }),
      error: (object, message) => lines.push({ level: 'error', object: object as Record<string, unknown>, message }),
    };
    const publisher = new Publisher({ catalog: testEvents, source: 'scorer', transport: { mode: 'log-only' }, logger });
    expect(lines[0]).toMatchObject({ level: 'warn', message: expect.stringMatching(/NOT BEING PUBLISHED/) });
    const result = await publisher.publish('score.changed', score(7));
    expect(result.messageId).toBeUndefined();
    expect(lines[1]?.object['event']).toMatchObject({ id: result.id, type: 'score.changed', version: 2, source: 'scorer', data: score(7) });
    expect(publisher.mode).toBe('log-only');
  });
});

describe('trace context', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    context.disable();
  });

  it('sends the active span as traceparent and restores it for the handler', async () => {
    const mesh = await startMesh(testTopology);
    try {
      const publisher = mesh.publisher('scorer');
      const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
      const seen: { traceparent?: string; activeTraceId?: string }[] = [];
      const subscriber = mesh.subscriber('board').subscribe('score.changed', (_event, ctx) => {
        seen.push({ ...(ctx.traceparent === undefined ? {} : { traceparent: ctx.traceparent }), activeTraceId: trace.getSpanContext(context.active())?.traceId ?? 'none' });
      }).subscribe('match.ended', () => undefined);
      await subscriber.start();
      await context.with(trace.setSpanContext(context.active(), spanContext), () => publisher.publish('score.changed', score(8)));
      await waitFor(() => seen.length === 1 || undefined);
      expect(seen[0]).toEqual({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', activeTraceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    } finally {
      await mesh.stop();
    }
  });
});
