// Tests: how pending events of high-volume types are cut into one PublishBatch of packs.
import { describe, expect, it } from 'vitest';
import { MAX_PUBLISH_BATCH_ENTRIES, MAX_SNS_MESSAGE_BYTES } from '../attributes';
import { takePacks, type PendingMember } from './PackBatcher';

const member = (eventId: string, packKey: string, entryBytes = 100, packBytes = 65_536): PendingMember => ({
  eventId,
  body: '{}',
  traceparent: undefined,
  attributes: {},
  packKey,
  packBytes,
  entryBytes,
  attributeBytes: 20,
  deadline: Number.MAX_SAFE_INTEGER,
  resolve: () => undefined,
  reject: () => undefined,
});

describe('takePacks', () => {
  it('takes events of up to 10 keys, in publish order, and leaves the 11th key’s events for the next batch', () => {
    const pending = Array.from({ length: 24 }, (_, i) => member(`e${i}`, `k${i % 12}`));
    const taken = takePacks(pending);
    expect(new Set(taken.map((m) => m.packKey)).size).toBe(MAX_PUBLISH_BATCH_ENTRIES);
    expect(taken.map((m) => m.eventId)).toEqual(Array.from({ length: 24 }, (_, i) => `e${i}`).filter((_, i) => i % 12 < 10));
    expect(pending.map((m) => m.eventId)).toEqual(['e10', 'e11', 'e22', 'e23']);
  });

  it('opens a second pack of a key once the first reaches its budget', () => {
    const pending = Array.from({ length: 5 }, (_, i) => member(`e${i}`, 'k', 400, 1_000));
    const taken = takePacks(pending);
    expect(taken).toHaveLength(5);
    expect(taken.packs.map((pack) => pack.map((m) => m.eventId))).toEqual([['e0', 'e1'], ['e2', 'e3'], ['e4']]);
    expect(pending).toEqual([]);
  });

  it('stops at SNS’s 256 KiB for the whole batch', () => {
    const pending = Array.from({ length: 10 }, (_, i) => member(`e${i}`, `k${i}`, 60_000));
    const taken = takePacks(pending);
    expect(taken.reduce((sum, m) => sum + m.entryBytes + 33, 0)).toBeLessThanOrEqual(MAX_SNS_MESSAGE_BYTES);
    expect(taken).toHaveLength(4);
    expect(pending).toHaveLength(6);
  });

  it('takes an event near SNS’s limit alone rather than never', () => {
    const pending = [member('big', 'k', MAX_SNS_MESSAGE_BYTES - 10), member('small', 'k')];
    expect(takePacks(pending).map((m) => m.eventId)).toEqual(['big']);
    expect(takePacks(pending).map((m) => m.eventId)).toEqual(['small']);
  });
});
