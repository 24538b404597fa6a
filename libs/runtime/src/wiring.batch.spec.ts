// Tests: a service's handler map may take a type's events a receive at a time ({ inBatches }),
// and startService's wiring registers it as a batch handler on the declared queue.
import { applyTopology, defineTopology, gameEvents, parseServiceDeclaration, resolveTopology } from '@game-mesh/events';
import { startTestBroker, waitFor, type TestBroker } from '@game-mesh/events/testing';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { defineService } from './serviceDefinition';
import { buildSubscribers } from './wiring';

const declaration = parseServiceDeclaration({ name: 'tally', description: 'Counts storms in batches.', port: 3998, consumes: { main: { subscriptions: [{ type: 'weather.changed', reads: ['current'] }] } } }, 'test');
const declared = {
  catalog: gameEvents,
  declaration,
  publishes: [],
  readers: { main: { 'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }) } },
} as const;

let broker: TestBroker | undefined;
afterAll(async () => broker?.stop());

describe('{ inBatches } in a service handler map', () => {
  it('types the batch by the fields the declaration reads (checked by tsc)', () => {
    defineService({
      declared,
      build: () => ({
        handlers: {
          main: {
            'weather.changed': {
              inBatches: (events) => {
                expectTypeOf(events[0]!.data.current.intensity).toEqualTypeOf<number>();
              },
            },
          },
        },
        routes: () => undefined,
      }),
    });
  });

  it('is wired as a batch handler: one call gets several events of a receive', { timeout: 20_000 }, async () => {
    broker = await startTestBroker();
    const topology = defineTopology({ catalog: gameEvents, consumers: { tally: { main: { subscriptions: [{ type: 'weather.changed' }] } } } });
    const report = await applyTopology({ sns: broker.sns, sqs: broker.sqs, topology: resolveTopology(topology, { prefix: 'wired' }) });
    const sizes: number[] = [];
    const handlers = { main: { 'weather.changed': { inBatches: (events: readonly unknown[]) => void sizes.push(events.length) } } };
    const wired = buildSubscribers(declared, handlers, { ...report.environment['tally'], SHUTDOWN_TIMEOUT_MS: 1_000 }, { sqs: broker.sqs, idempotencyStore: undefined }, console, { concurrency: 10 });
    const queueUrl = wired['main']!.queueUrl;
    const body = () => JSON.stringify({ specversion: '1.0', id: randomUUID(), type: 'weather.changed', version: 1, source: 'weather-manager', time: new Date().toISOString(), correlationId: randomUUID(), data: { previous: null, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 8 }, cause: 'operator' } });
    await broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: Array.from({ length: 5 }, (_, i) => ({ Id: `m${i}`, MessageBody: body() })) }));
    await wired['main']!.subscriber.start();
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 5 || undefined, { timeoutMs: 10_000, message: 'five events handled' });
    await wired['main']!.subscriber.stop();
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });
});
