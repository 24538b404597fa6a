// Tests: publish batching.
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPublishBatchLimits, MAX_SNS_MESSAGE_BYTES, PublishRejectedError, type BatchEntry } from '../src';
import { countRequests } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';

describe('publish batching', () => {
  let mesh: Mesh<TestEvents>;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
  });
  afterAll(() => mesh.stop());

  it('coalesces N concurrent publishes into about N/10 PublishBatch requests', async () => {
    const { sns } = mesh.broker.clients();
    const requests = countRequests(sns);
    const publisher = mesh.publisher('scorer', {}, sns);
    const results = await Promise.all(
      Array.from({ length: 95 }, (_, i) => publisher.publish('score.changed', { playerId: `p${i}`, points: i, bonus: false })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(95);
    expect(results.every((r) => typeof r.messageId === 'string')).toBe(true);
    expect(requests.count('PublishBatchCommand')).toBe(10);
    expect(requests.count('PublishCommand')).toBe(0);
  });

  it('sends a lone publish on its own after the short batch window', async () => {
    const { sns } = mesh.broker.clients();
    const requests = countRequests(sns);
    const publisher = mesh.publisher('scorer', { batchWindowMs: 2 }, sns);
    await publisher.publish('score.changed', { playerId: 'solo', points: 1, bonus: false });
    await publisher.publish('score.changed', { playerId: 'solo', points: 2, bonus: false });
    expect(requests.count('PublishBatchCommand')).toBe(2);
    const entries = (requests.inputs('PublishBatchCommand') as { PublishBatchRequestEntries: unknown[] }[]).map((i) => i.PublishBatchRequestEntries.length);
    expect(entries).toEqual([1, 1]);
  });

  it('has no fixed linger: a lone publish leaves at once, and what comes while a request is in flight gathers until it settles', async () => {
    const { sns } = mesh.broker.clients();
    const requests = countRequests(sns);
    // A window of a minute: a publish that waited for it would time the test out.
    const publisher = mesh.publisher('scorer', { batchWindowMs: 60_000 }, sns);
    await publisher.publish('score.changed', { playerId: 'solo', points: 1, bonus: false });
    const first = publisher.publish('score.changed', { playerId: 'first', points: 1, bonus: false });
    await Promise.resolve(); // the first request is on its way
    const later = Array.from({ length: 5 }, (_, i) => publisher.publish('score.changed', { playerId: `later-${i}`, points: i, bonus: false }));
    await Promise.all([first, ...later]);
    const entries = (requests.inputs('PublishBatchCommand') as { PublishBatchRequestEntries: unknown[] }[]).map((i) => i.PublishBatchRequestEntries.length);
    expect(entries).toEqual([1, 1, 5]);
  });

  it('splits batches by total size, not only by count', async () => {
    const { sns } = mesh.broker.clients();
    const requests = countRequests(sns);
    const publisher = mesh.publisher('scorer', {}, sns);
    const name = 'x'.repeat(60_000); // ~60 KB each: four fit in 256 KiB, five do not
    await Promise.all(Array.from({ length: 8 }, (_, i) => publisher.publish('score.changed', { playerId: `${name}${i}`, points: i, bonus: false })));
    const sizes = (requests.inputs('PublishBatchCommand') as { PublishBatchRequestEntries: unknown[] }[]).map((i) => i.PublishBatchRequestEntries.length);
    expect(sizes).toEqual([4, 4]);
  });

  it('refuses an event over 256 KiB with a typed error before any request is made', async () => {
    const { sns } = mesh.broker.clients();
    const requests = countRequests(sns);
    const publisher = mesh.publisher('scorer', {}, sns);
    const error = await publisher.publish('score.changed', { playerId: 'x'.repeat(MAX_SNS_MESSAGE_BYTES), points: 1, bonus: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect(error).toMatchObject({ code: 'EVENT_TOO_LARGE' });
    expect((error as PublishRejectedError).eventIds).toHaveLength(1);
    expect((error as Error).message).toContain((error as PublishRejectedError).eventIds[0]);
    expect(requests.total()).toBe(0);
  });
});

describe('PublishBatch limits the emulator does not enforce', () => {
  let mesh: Mesh<TestEvents>;
  beforeAll(async () => {
    mesh = await startMesh(testTopology);
  });
  afterAll(() => mesh.stop());

  const entry = (id: string, body = '{}'): BatchEntry => ({ id, body, attributes: {} });
  const elevenEntries = Array.from({ length: 11 }, (_, i) => entry(`e${i}`));

  it('fauxqs accepts 11 entries and duplicate ids (AWS refuses both)', async () => {
    const topicArn = mesh.report.topicArns['scores']!;
    const toRequest = (entries: BatchEntry[]) => entries.map((e) => ({ Id: e.id, Message: e.body }));
    const eleven = await mesh.broker.sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: toRequest(elevenEntries) }));
    expect(eleven.Successful?.length ?? 0).toBeGreaterThan(0);
  });

  it('our check refuses more than 10 entries, repeated ids and more than 256 KiB in total', () => {
    expect(() => assertPublishBatchLimits(elevenEntries)).toThrow(/1 to 10 entries; got 11/);
    expect(() => assertPublishBatchLimits([entry('a'), entry('b'), entry('a')])).toThrow(/distinct; repeated: a/);
    const big = 'x'.repeat(100_000);
    expect(() => assertPublishBatchLimits([entry('a', big), entry('b', big), entry('c', big)])).toThrow(/300000 bytes; SNS allows 262144/);
    expect(() => assertPublishBatchLimits([entry('a', big), entry('b', big)])).not.toThrow();
    try {
      assertPublishBatchLimits(elevenEntries);
    } catch (error) {
      expect(error).toBeInstanceOf(PublishRejectedError);
      expect(error).toMatchObject({ code: 'BATCH_LIMIT_EXCEEDED', eventIds: elevenEntries.map((e) => e.id) });
    }
  });
});
