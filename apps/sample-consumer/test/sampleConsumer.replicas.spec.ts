// Tests: sample-consumer scaled out with IDEMPOTENCY_TABLE set.
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { startGameMesh, startTestDynamoDb, waitFor, type GameMesh, type TestDynamoDb } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConsumer } from '../src/service';
import type { WorldState } from '../src/WorldProjection';
import { declared } from '../src/declared';

const { declaration } = declared;

describe('sample-consumer scaled out with IDEMPOTENCY_TABLE set', () => {
  let mesh: GameMesh;
  let db: TestDynamoDb;
  let replicas: StartedService[];
  beforeAll(async () => {
    mesh = await startGameMesh([declaration]);
    db = await startTestDynamoDb();
    await db.createIdempotencyTable('test-sample-consumer-idempotency');
    const env = mesh.envFor('sample-consumer', { IDEMPOTENCY_TABLE: 'test-sample-consumer-idempotency', AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
    replicas = [await startService(sampleConsumer, env, () => undefined), await startService(sampleConsumer, env, () => undefined)];
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.shutdown();
    await db.stop();
    await mesh.stop();
  });

  it('two replicas share the DynamoDB store: an event delivered twice is applied once in all', async () => {
    const queueUrl = mesh.report.environment['sample-consumer']!['EVENTS_QUEUE_URL']!;
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const body = (id: string) =>
      JSON.stringify({
        specversion: '1.0', id, type: 'weather.changed', version: 1, source: 'weather-manager', time: new Date().toISOString(), correlationId: id,
        data: { previous: { condition: 'rain', intensity: 0.2, temperatureCelsius: 10 }, current: { condition: 'rain', intensity: 0.3, temperatureCelsius: 10 }, cause: 'simulation' },
      });
    // Each event in two messages, sent at once in batches, so both replicas get copies.
    const bodies = [...ids, ...ids.slice(5), ...ids.slice(0, 5)].map(body);
    await Promise.all(
      Array.from({ length: bodies.length / 10 }, (_, i) =>
        mesh.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.slice(i * 10, i * 10 + 10).map((MessageBody, j) => ({ Id: `m${j}`, MessageBody })) })),
      ),
    );
    const applied = async () => Promise.all(replicas.map(async (r) => ((await (await fetch(`http://127.0.0.1:${r.port}/state`)).json()) as WorldState).eventsApplied));
    await waitFor(async () => (await applied()).reduce((a, b) => a + b, 0) >= ids.length || undefined, { timeoutMs: 15_000, message: 'every event applied' });
    // Let the second copies arrive and be dropped, then count again.
    await waitFor(async () => {
      const { Attributes } = await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return (Attributes?.['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0') || undefined;
    }, { timeoutMs: 15_000, message: 'every copy settled' });
    const perReplica = await applied();
    console.log(`sample-consumer replicas applied ${perReplica.join(' + ')} of ${ids.length} events sent twice`);
    expect(perReplica.every((n) => n > 0)).toBe(true);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(ids.length);
    const item = await db.dynamodb.send(new GetItemCommand({ TableName: 'test-sample-consumer-idempotency', Key: { id: { S: `${queueUrl.split('/').at(-1)}:${ids[0]}` } } }));
    expect(item.Item?.['status']?.S).toBe('COMPLETED');
  });
});
