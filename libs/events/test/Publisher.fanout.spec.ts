// Tests: fan-out and filter policies through fauxqs.
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';

describe('fan-out and filter policies through fauxqs', () => {
  let mesh: Mesh<TestEvents>;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
  });
  afterAll(() => mesh.stop());

  async function drain(service: string): Promise<Message[]> {
    const out = await mesh.broker.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: mesh.queueUrl(service), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    return out.Messages ?? [];
  }

  it('delivers one event to every subscribed queue, and the numeric filter lets through only points >= 100', async () => {
    const publisher = mesh.publisher('scorer');
    const big = await publisher.publish('score.changed', { playerId: 'ada', points: 150, bonus: true });
    const small = await publisher.publish('score.changed', { playerId: 'bob', points: 99.5, bonus: false });

    const received = await waitFor(async () => {
      const [board, stats, alerts] = await Promise.all([drain('board'), drain('stats'), drain('alerts')]);
      return board.length + stats.length + alerts.length > 0 ? { board, stats, alerts } : undefined;
    });
    const ids = (messages: Message[]) => messages.map((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id).sort();
    expect(ids(received.board)).toEqual([big.id, small.id].sort());
    expect(ids(received.stats)).toEqual([big.id, small.id].sort());
    expect(ids(received.alerts)).toEqual([big.id]);
    // Raw delivery: the body is our envelope and the attributes are SQS attributes.
    const alert = received.alerts[0]!;
    expect(alert.MessageAttributes?.['points']).toMatchObject({ DataType: 'Number', StringValue: '150' });
    expect(alert.MessageAttributes?.['type']?.StringValue).toBe('score.changed');
    expect(alert.MessageAttributes?.['traceparent']?.StringValue).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    // Only what someone reads is on the wire: version and source travel in the envelope.
    expect(Object.keys(alert.MessageAttributes ?? {}).sort()).toEqual(['points', 'traceparent', 'type']);
  });
});
