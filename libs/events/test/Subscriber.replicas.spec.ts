// Tests: two replicas of a consumer on one queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { defineTopology } from '../src';
import { startTestDynamoDb, waitFor, type TestDynamoDb } from '../src/testing';
import { Ledger, queueCounts } from './ledger';
import { startMesh, testEvents, type Mesh, type TestEvents } from './mesh';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const topology = defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], visibilityTimeoutSeconds: 5 } } } });

interface Replica {
  process: ChildProcess;
  handled: string[];
  ready: Promise<void>;
}

function startReplica(env: Record<string, string>): Replica {
  const child = spawn(`${root}node_modules/.bin/tsx`, ['libs/events/test/fixtures/replica.ts'], {
    cwd: root,
    env: { PATH: process.env['PATH'], AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handled: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`replica exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('handled ')) handled.push(line.slice('handled '.length));
    });
  });
  return { process: child, handled, ready };
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.process.once('exit', resolve));
  replica.process.kill('SIGTERM');
  await exited;
}

describe('two replicas of a consumer on one queue', () => {
  const open: { mesh?: Mesh<TestEvents>; db?: TestDynamoDb; replicas: Replica[] } = { replicas: [] };
  afterEach(async () => {
    await Promise.all(open.replicas.map(stopReplica));
    await open.db?.stop();
    await open.mesh?.stop();
    open.replicas = [];
  });

  it('with the shared DynamoDB store, every event sent twice is handled once across both processes', { timeout: 60_000 }, async () => {
    const mesh = (open.mesh = await startMesh(topology));
    const db = (open.db = await startTestDynamoDb());
    await db.createIdempotencyTable('board-idempotency');
    const env = { SQS_ENDPOINT: mesh.broker.endpoint, QUEUE_URL: mesh.queueUrl('board'), DYNAMODB_ENDPOINT: db.endpoint, TABLE: 'board-idempotency', STORE: 'dynamodb' };
    open.replicas = [startReplica(env), startReplica(env)];
    await Promise.all(open.replicas.map((r) => r.ready));

    const ids = Array.from({ length: 150 }, () => randomUUID());
    const body = (id: string) =>
      JSON.stringify({ specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: { playerId: 'p', points: 1, bonus: false } });
    // Each event in two messages, the copies a few batches apart, so either replica may get either copy.
    const bodies = [...ids, ...ids].map(body);
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: `m${j}`, MessageBody }));
      const sent = await mesh.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: mesh.queueUrl('board'), Entries: entries }));
      expect(sent.Failed ?? []).toEqual([]);
    }
    const ledger = new Ledger();
    const settled = async () => {
      const counts = await queueCounts(mesh.broker.sqs, mesh.queueUrl('board'));
      return counts.visible === 0 && counts.inFlight === 0;
    };
    await waitFor(async () => (await settled()) || undefined, { timeoutMs: 40_000, message: 'every copy handled or dropped as a duplicate' });
    for (const replica of open.replicas) for (const id of replica.handled) ledger.apply(id);
    console.log(`replicas: ${open.replicas.map((r) => r.handled.length).join(' + ')} handled of ${ids.length} events sent twice`);
    expect(ledger.missing(ids)).toEqual([]);
    expect(ledger.appliedTwice()).toEqual([]);
    expect(open.replicas.every((r) => r.handled.length > 0)).toBe(true);
  });
});
