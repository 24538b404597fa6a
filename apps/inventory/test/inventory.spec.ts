// Tests: inventory on fauxqs: operator changes published in order per player on its FIFO topic,
// a spend beyond what a player holds refused, and nothing changed when a publish fails.
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { listener, startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { startService, type StartedService } from '@game-mesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declared } from '../src/declared';
import { inventory } from '../src/service';

describe('inventory on fauxqs', () => {
  let mesh: GameMesh;
  let service: StartedService;
  let base: string;
  const exits: number[] = [];
  beforeAll(async () => {
    mesh = await startGameMesh([declared.declaration, listener(['item.granted', 'item.spent'])]);
    service = await startService(inventory, mesh.envFor(declared.declaration.name), (code) => void exits.push(code));
    base = `http://127.0.0.1:${service.port}`;
  });
  afterAll(async () => {
    await service?.shutdown();
    await mesh?.stop();
    expect(exits).toEqual([0]);
  });

  const post = (player: string, kind: 'grant' | 'spend', body: unknown) =>
    fetch(`${base}/players/${player}/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('is ready, on a FIFO topic', async () => {
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(mesh.report.topicArns['inventory']).toMatch(/\.fifo$/);
    expect(mesh.report.environment['listener']!['EVENTS_QUEUE_URL']).toMatch(/\.fifo$/);
  });

  it('publishes each player\'s changes in the order they applied, and refuses a spend beyond what the player holds', async () => {
    const sent = await Promise.all([
      post('ada', 'grant', { item: 'gold', quantity: 50, reason: 'quest' }),
      post('ada', 'spend', { item: 'gold', quantity: 20, reason: 'sword' }),
      post('ada', 'spend', { item: 'gold', quantity: 40, reason: 'too much' }),
      post('ada', 'grant', { item: 'gold', quantity: 5, reason: 'found' }),
    ]);
    expect(sent.map((r) => r.status)).toEqual([202, 202, 409, 202]);
    expect(await (await fetch(`${base}/players/ada`)).json()).toEqual({ playerId: 'ada', items: { gold: 35 } });
    const queueUrl = mesh.report.environment['listener']!['EVENTS_QUEUE_URL']!;
    const received: { type: string; data: { quantity: number } }[] = [];
    await waitFor(async () => {
      const out = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      for (const message of out.Messages ?? []) {
        received.push(JSON.parse(message.Body!) as { type: string; data: { quantity: number } });
        await mesh.broker.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return received.length >= 3 || undefined;
    });
    expect(received.map((e) => `${e.type} ${e.data.quantity}`)).toEqual(['item.granted 50', 'item.spent 20', 'item.granted 5']);
  });

  it('refuses a body that breaks the contract, naming the field', async () => {
    const refused = await post('ada', 'grant', { item: 'Gold!', quantity: 0 });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/item[\s\S]*quantity/);
  });
});
