// For the guarantee specs: a test catalog's event as a raw message body, a one-queue topology, and
// a mesh each test starts and afterEach stops.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE, defineTopology, type BatchItemFailure, type HandlerContext, type Subscriber } from '../src';
import { waitFor, type FaultProxy } from '../src/testing';
import { startMesh, testEvents, type Mesh, type TestEvents } from './mesh';

export const score = (points: number) => ({ playerId: 'ada', points, bonus: false });
export const envelopeBody = (id = randomUUID()) =>
  JSON.stringify({ specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: score(1) });

export function topology(queue: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}) {
  return defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], ...queue } } } });
}

/** What the running test opened; stopped after each test (call {@link stopOpenAfterEach} once per file). */
export const open: { mesh?: Mesh<TestEvents>; proxy?: FaultProxy } = {};
export async function mesh(queue: Parameters<typeof topology>[0] = {}): Promise<Mesh<TestEvents>> {
  open.mesh = await startMesh(topology(queue));
  return open.mesh;
}
export function stopOpenAfterEach(): void {
  afterEach(async () => {
    await open.proxy?.stop();
    await open.mesh?.stop();
    delete open.proxy;
    delete open.mesh;
  });
}

/** The two ways to consume, each held to the same guarantees. */
export const CONSUMING = ['subscribe', 'subscribeBatch'] as const;
export type Consuming = (typeof CONSUMING)[number];
type ScoreEvent = Parameters<Parameters<Subscriber<TestEvents>['subscribe']>[1]>[0];

/**
 * Registers a per-event handler of score.changed one way or the other: through `subscribeBatch`
 * each event of the batch runs it, and the events whose run threw are reported as failures.
 */
export function onScore(subscriber: Subscriber<TestEvents>, consuming: Consuming, handler: (event: ScoreEvent, context: Pick<HandlerContext, 'messageId' | 'receiveCount'>) => unknown): Subscriber<TestEvents> {
  if (consuming === 'subscribe') return subscriber.subscribe('score.changed', async (event, context) => void (await handler(event, context)));
  return subscriber.subscribeBatch('score.changed', async (events, context) => {
    const failures: BatchItemFailure[] = [];
    await Promise.all(
      events.map(async (event, i) => {
        try {
          await handler(event, context.messages[i]!);
        } catch (error) {
          failures.push({ id: event.id, error });
        }
      }),
    );
    return { failures };
  });
}

/** Reads the board's DLQ until `expected` dead letters came (with their attributes). */
export async function deadLetters(m: Mesh<TestEvents>, expected: number): Promise<Message[]> {
  const all: Message[] = [];
  await waitFor(
    async () => {
      const out = await m.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: m.dlqUrl('board'), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
      all.push(...(out.Messages ?? []));
      return all.length >= expected || undefined;
    },
    { timeoutMs: 20_000, message: `${expected} dead letters` },
  );
  return all;
}
export const reasonOf = (message: Message | undefined) => message?.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue;
