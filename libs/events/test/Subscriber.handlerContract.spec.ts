// Tests: the handler contract users bring from sqs-consumer and Powertools: a handler timeout that
// frees the slot and dead-letters as HANDLER_TIMEOUT without applying the event twice, and an error
// that means "never retry this one".
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../src';
import { waitFor } from '../src/testing';
import { deadLetters, mesh, reasonOf, score, stopOpenAfterEach } from './guarantees';
import { queueCounts } from './ledger';

stopOpenAfterEach();

describe('a handler that never settles, with handlerTimeoutMs', () => {
  it('is abandoned at its timeout: its slot serves the next event, it is dead-lettered as HANDLER_TIMEOUT after its retries, and stop() returns at once', async () => {
    const m = await mesh({ maxReceiveCount: 3 });
    const handled: number[] = [];
    const aborted: unknown[] = [];
    const subscriber = m.subscriber('board', { concurrency: 1, handlerTimeoutMs: 300 }).subscribe('score.changed', (event, { signal }) => {
      if (event.data.points !== 0) {
        handled.push(event.data.points);
        return;
      }
      signal.addEventListener('abort', () => aborted.push(signal.reason));
      return new Promise<void>(() => undefined); // hangs for good
    });
    await subscriber.start();
    const publisher = m.publisher('scorer');
    await publisher.publish('score.changed', score(0));
    await publisher.publish('score.changed', score(1));
    // The only slot was held by the hung handler: the next event is handled once the timeout frees it.
    await waitFor(() => handled.includes(1) || undefined, { timeoutMs: 10_000, message: 'the second event handled' });
    const [dead] = await deadLetters(m, 1);
    expect(reasonOf(dead)).toMatch(/^HANDLER_TIMEOUT: Handler timed out 3 times/);
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    expect(String((aborted[0] as Error).name)).toBe('HandlerTimeoutError');
    const stopping = Date.now();
    await subscriber.stop();
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(await queueCounts(m.broker.sqs, m.queueUrl('board'))).toEqual({ visible: 0, inFlight: 0 });
  });
});

describe('a handler that finishes after its timeout', () => {
  it('is not applied a second time by the redelivery: its claim stays held until it completes', async () => {
    const m = await mesh({ maxReceiveCount: 10 });
    let calls = 0;
    let applied = 0;
    const subscriber = m.subscriber('board', { handlerTimeoutMs: 200, retryBaseSeconds: 1 }).subscribe('score.changed', async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 700)); // ignores its signal
      applied += 1;
    });
    let duplicates = 0;
    subscriber.on('duplicate', () => (duplicates += 1));
    await subscriber.start();
    await m.publisher('scorer').publish('score.changed', score(1));
    // The redelivery after the late completion finds the event done and deletes the message.
    await waitFor(async () => (duplicates >= 1 && (await queueCounts(m.broker.sqs, m.queueUrl('board'))).visible + (await queueCounts(m.broker.sqs, m.queueUrl('board'))).inFlight === 0) || undefined, {
      timeoutMs: 15_000,
      message: 'the message deleted as a duplicate',
    });
    expect({ calls, applied }).toEqual({ calls: 1, applied: 1 });
  });
});

describe('a handler that throws PermanentError', () => {
  it('dead-letters the message on its first receive, with the handler\'s reason, and never retries it', async () => {
    const m = await mesh({ maxReceiveCount: 5 });
    let calls = 0;
    const failed: unknown[] = [];
    const subscriber = m.subscriber('board').subscribe('score.changed', () => {
      calls += 1;
      throw new PermanentError('player ada was deleted');
    });
    subscriber.on('failed', ({ error }) => failed.push(error));
    await subscriber.start();
    await m.publisher('scorer').publish('score.changed', score(1));
    const [dead] = await deadLetters(m, 1);
    expect(reasonOf(dead)).toBe('HANDLER_REJECTED: player ada was deleted');
    expect(calls).toBe(1);
    // Counted apart: a dead letter with its own code, not a handler failure to retry.
    expect(failed).toEqual([]);
  });
});
