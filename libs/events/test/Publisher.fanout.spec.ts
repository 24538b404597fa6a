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
    // A caller's trace goes with its event; with no trace (no SDK here), no trace context goes at all.
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const big = await publisher.publish('score.changed', { playerId: 'ada', points: 150, bonus: true }, { traceparent });
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
    expect(alert.MessageAttributes?.['traceparent']?.StringValue).toBe(traceparent);
    // Only what someone reads is on the wire: version and source travel in the envelope.
    expect(Object.keys(alert.MessageAttributes ?? {}).sort()).toEqual(['points', 'traceparent', 'type']);
    const untraced = received.board.find((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id === small.id);
    expect(Object.keys(untraced?.MessageAttributes ?? {}).sort()).toEqual(['points', 'type']);
  });
});
