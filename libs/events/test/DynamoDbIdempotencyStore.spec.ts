// Tests: DynamoDbIdempotencyStore against a real DynamoDB API (dynalite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_IDEMPOTENCY_ACTIONS, DynamoDbIdempotencyStore } from '../src';
import { startFaultProxy, startTestDynamoDb, type TestDynamoDb } from '../src/testing';

describe('DynamoDbIdempotencyStore against a real DynamoDB API (dynalite)', () => {
  let db: TestDynamoDb;
  beforeAll(async () => {
    db = await startTestDynamoDb();
    await db.createIdempotencyTable('idempotency');
  });
  afterAll(() => db.stop());

  const store = (now?: () => number) => new DynamoDbIdempotencyStore({ dynamodb: db.dynamodb, tableName: 'idempotency', ...(now ? { now } : {}) });

  it('twenty replicas claiming one event at once: exactly one gets it', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store().claim('race', 60_000)));
    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in-progress')).toHaveLength(19);
  });

  it('completed is remembered; a released claim can be taken again; release never forgets a completed event', async () => {
    const a = store();
    expect(await a.claim('done', 60_000)).toBe('claimed');
    await a.complete('done', 3_600_000);
    expect(await store().claim('done', 60_000)).toBe('completed');
    await a.release('done');
    expect(await store().claim('done', 60_000)).toBe('completed');

    expect(await a.claim('failed', 60_000)).toBe('claimed');
    await a.release('failed');
    expect(await store().claim('failed', 60_000)).toBe('claimed');
  });

  it('an in-progress claim whose holder died expires; a renewed one does not; a completed one expires after its window', async () => {
    let now = 1_000_000_000_000;
    const clock = () => now;
    expect(await store(clock).claim('dead', 1_000)).toBe('claimed');
    expect(await store(clock).claim('alive', 1_000)).toBe('claimed');
    now += 800;
    await store(clock).renew('alive', 1_000);
    now += 500;
    expect(await store(clock).claim('dead', 1_000)).toBe('claimed');
    expect(await store(clock).claim('alive', 1_000)).toBe('in-progress');

    await store(clock).complete('alive', 10_000);
    now += 9_000;
    expect(await store(clock).claim('alive', 1_000)).toBe('completed');
    now += 3_000; // `expiration` is in whole seconds, as DynamoDB's TTL wants
    expect(await store(clock).claim('alive', 1_000)).toBe('claimed');
  });

  it('calls exactly the DynamoDB actions it declares for IAM (counted at the wire), on its own table only', async () => {
    const proxy = await startFaultProxy(db.endpoint);
    try {
      const dynamodb = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const counted = new DynamoDbIdempotencyStore({ dynamodb, tableName: 'idempotency' });
      // Every path: claim, renew, complete, a claim of the completed event, a failed handler's release.
      await counted.claim('wire-1', 60_000);
      await counted.renew('wire-1', 60_000);
      await counted.complete('wire-1', 60_000);
      await counted.claim('wire-1', 60_000);
      await counted.claim('wire-2', 60_000);
      await counted.release('wire-2');
      expect([...proxy.seen.keys()].map((action) => `dynamodb:${action}`).sort()).toEqual([...DYNAMODB_IDEMPOTENCY_ACTIONS].sort());
      expect([...new Set([...proxy.resources.values()].flatMap((names) => [...names]))]).toEqual(['idempotency']);
      dynamodb.destroy();
    } finally {
      await proxy.stop();
    }
  });
});
