// Tests: causation: an event published while handling another.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';

describe('causation: an event published while handling another', () => {
  let mesh: Mesh<TestEvents>;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
  });
  afterAll(() => mesh.stop());

  it('carries the handled event as causationId and its correlationId; one published outside a handler starts its own', async () => {
    const referee = mesh.publisher('referee');
    const published: string[] = [];
    // alerts reacts to a big score by ending the match, from inside its handler.
    const alerts = mesh.subscriber('alerts').subscribe('score.changed', async () => {
      published.push((await referee.publish('match.ended', { matchId: 'm1', winner: 'ada' })).id);
    });
    await alerts.start();
    const score = await mesh.publisher('scorer').publish('score.changed', { playerId: 'ada', points: 150, bonus: false }, { correlationId: 'match-m1' });
    await waitFor(() => published.length === 1, { message: 'the handler publishing match.ended' });
    const outside = await referee.publish('match.ended', { matchId: 'm2', winner: 'bob' });

    const bodies = await waitFor(async () => {
      const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: mesh.queueUrl('board'), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      const ended = (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; type: string; correlationId: string; causationId?: string }).filter((e) => e.type === 'match.ended');
      return ended.length === 2 ? ended : undefined;
    });
    const caused = bodies.find((e) => e.id === published[0]);
    expect(caused).toMatchObject({ causationId: score.id, correlationId: 'match-m1' });
    const own = bodies.find((e) => e.id === outside.id);
    expect(own?.causationId).toBeUndefined();
    expect(own?.correlationId).toBe(outside.id);
  });
});
