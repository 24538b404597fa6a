// Tests: createEnvelope (publisher side).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testEvents } from '../../test/testEvents';
import { createEnvelope, decodeEnvelope } from './codec';
import { ContractError } from './errors';
import { gameEvents } from './gameEvents';

const v2 = { playerId: 'ada', points: 3, bonus: true };
const envelopeOf = (overrides: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'f7d6c1a0-6b1e-4c5e-9d3b-2a1f0e9d8c7b',
  type: 'score.changed',
  version: 2,
  source: 'scorer',
  time: '2026-11-28T10:00:00.000Z',
  correlationId: 'f7d6c1a0-6b1e-4c5e-9d3b-2a1f0e9d8c7b',
  data: v2,
  ...overrides,
});

describe('createEnvelope (publisher side)', () => {
  it('fills in id, time and correlationId, and uses the current version', () => {
    const envelope = createEnvelope(testEvents, { type: 'score.changed', data: v2, source: 'scorer' });
    expect(envelope).toMatchObject({ specversion: '1.0', type: 'score.changed', version: 2, source: 'scorer', data: v2 });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(envelope.correlationId).toBe(envelope.id);
    expect(Number.isNaN(Date.parse(envelope.time))).toBe(false);
    expect(envelope).not.toHaveProperty('causationId');
  });

  it('keeps given metadata and accepts a Date for time', () => {
    const envelope = createEnvelope(testEvents, {
      type: 'score.changed',
      data: v2,
      source: 'scorer',
      metadata: { correlationId: 'flow-1', causationId: 'cause-1', time: new Date('2026-01-02T03:04:05Z') },
    });
    expect(envelope).toMatchObject({ correlationId: 'flow-1', causationId: 'cause-1', time: '2026-01-02T03:04:05.000Z' });
  });

  it.each([
    ['unknown type', { type: 'nope.nope' }, 'UNKNOWN_EVENT_TYPE', /Unknown event type "nope.nope"; the catalog has: score.changed, match.ended/],
    ['unknown version', { version: 5 }, 'UNKNOWN_EVENT_VERSION', /score.changed has no version 5; declared: 1, 2/],
    ['another producer', { source: 'referee' }, 'NOT_PRODUCER', /produced by "scorer", not by "referee"/],
    ['wrong data', { data: { playerId: 1, points: 2 } }, 'EVENT_DATA_INVALID', /playerId: Invalid input: expected string, received number; bonus: Invalid input/],
    ['bad metadata', { metadata: { id: 'not-a-uuid' } }, 'EVENT_METADATA_INVALID', /id: Invalid UUID/],
  ])('refuses %s with a reason', (_label, overrides, code, message) => {
    const args = { type: 'score.changed', data: v2, source: 'scorer', ...overrides } as Parameters<typeof createEnvelope<typeof testEvents, 'score.changed'>>[1];
    let error: unknown;
    try {
      createEnvelope(testEvents, args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContractError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('accepts every example of the game catalog', () => {
    for (const [type, definition] of Object.entries(gameEvents)) {
      for (const example of definition.versions[definition.current]!.examples) {
        expect(() => createEnvelope(gameEvents, { type: type as keyof typeof gameEvents, data: example as never, source: definition.producer })).not.toThrow();
      }
    }
  });
});

describe('decodeEnvelope (consumer side)', () => {
  it('accepts a valid envelope of the current version', () => {
    expect(decodeEnvelope(testEvents, envelopeOf({}))).toMatchObject({ ok: true, sourceVersion: 2, envelope: { data: v2 } });
  });

  it('requires id and time on the consuming side', () => {
    const { id: _id, time: _time, ...rest } = envelopeOf({});
    const result = decodeEnvelope(testEvents, rest);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_ENVELOPE' });
    expect(!result.ok && result.reason).toMatch(/id: Invalid input.*time: Invalid input/);
  });

  it('upcasts an older version to the version read', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ version: 1, data: { player: 'old', points: 1 } }));
    expect(result).toMatchObject({ ok: true, sourceVersion: 1, envelope: { version: 2, data: { playerId: 'old', points: 1, bonus: false } } });
  });

  it('reads an older version as it is when the consumer asks for it', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ version: 1, data: { player: 'old', points: 1 } }), 1);
    expect(result).toMatchObject({ ok: true, envelope: { version: 1, data: { player: 'old', points: 1 } } });
  });

  it.each([
    ['unknown type', { type: 'nope.nope' }, undefined, 'UNKNOWN_EVENT_TYPE'],
    ['unknown version', { version: 3 }, undefined, 'UNKNOWN_EVENT_VERSION'],
    ['newer than read', {}, 1, 'VERSION_NOT_READABLE'],
    ['invalid data', { data: { playerId: 'a' } }, undefined, 'EVENT_DATA_INVALID'],
    ['not an object', { data: 'x' }, undefined, 'EVENT_DATA_INVALID'],
  ])('refuses %s with a reason and the event id', (_label, overrides, readVersion, code) => {
    const result = decodeEnvelope(testEvents, envelopeOf(overrides), readVersion);
    expect(result).toMatchObject({ ok: false, code, eventId: 'f7d6c1a0-6b1e-4c5e-9d3b-2a1f0e9d8c7b' });
  });

  it('refuses garbage without throwing', () => {
    for (const garbage of [null, 42, 'text', [], { type: 1 }]) {
      expect(decodeEnvelope(testEvents, garbage)).toMatchObject({ ok: false, code: 'INVALID_ENVELOPE' });
    }
  });

  it('refuses correlation and causation ids over 128 characters, naming the field; a producer cannot make one', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ correlationId: 'x'.repeat(255_400) }));
    expect(result).toMatchObject({ ok: false, code: 'INVALID_ENVELOPE', reason: 'correlationId is 255400 characters; at most 128' });
    expect(decodeEnvelope(testEvents, envelopeOf({ causationId: 'y'.repeat(129) }))).toMatchObject({ ok: false, reason: 'causationId is 129 characters; at most 128' });
    expect(decodeEnvelope(testEvents, envelopeOf({ correlationId: 'z'.repeat(128) }))).toMatchObject({ ok: true });
    expect(() => createEnvelope(testEvents, { type: 'score.changed', source: 'scorer', data: v2, metadata: { correlationId: 'x'.repeat(129) } })).toThrow(/correlationId/);
  });

  it('refuses an event whose source is not the type\'s producer (FOREIGN_SOURCE), naming both', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ source: 'mallory' }));
    expect(result).toMatchObject({ ok: false, code: 'FOREIGN_SOURCE', type: 'score.changed', eventId: 'f7d6c1a0-6b1e-4c5e-9d3b-2a1f0e9d8c7b' });
    expect(!result.ok && result.reason).toBe('score.changed is produced by "scorer", not by "mallory"');
  });

  it('refuses an event dated further ahead of the consumer\'s clock than the allowed skew (TIME_IN_FUTURE), accepts it within', () => {
    const now = Date.parse('2026-11-28T10:00:00.000Z');
    expect(decodeEnvelope(testEvents, envelopeOf({ time: '2099-01-01T00:00:00Z' }), undefined, undefined, { now })).toMatchObject({ ok: false, code: 'TIME_IN_FUTURE' });
    // Five minutes is the default: a producer whose clock runs an hour fast is refused too.
    expect(decodeEnvelope(testEvents, envelopeOf({ time: '2026-11-28T11:00:00.000Z' }), undefined, undefined, { now })).toMatchObject({ ok: false, code: 'TIME_IN_FUTURE' });
    expect(decodeEnvelope(testEvents, envelopeOf({ time: '2026-11-28T10:04:59.000Z' }), undefined, undefined, { now })).toMatchObject({ ok: true });
    expect(decodeEnvelope(testEvents, envelopeOf({ time: '2026-11-28T10:10:00.000Z' }), undefined, undefined, { now, maxFutureSkewMs: 900_000 })).toMatchObject({ ok: true });
    // The past is fine: events wait in queues and DLQs.
    expect(decodeEnvelope(testEvents, envelopeOf({ time: '2020-01-01T00:00:00Z' }), undefined, undefined, { now })).toMatchObject({ ok: true });
  });
});

describe('decodeEnvelope with a reader schema (a tolerant reader)', () => {
  const reader = z.object({ playerId: z.string(), points: z.number() });

  it('gives the handler only the fields it reads, and ignores changes to the others', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ data: { playerId: 'ada', points: 3, bonus: 'not a boolean any more' } }), 2, reader);
    expect(result).toMatchObject({ ok: true, envelope: { data: { playerId: 'ada', points: 3 } } });
  });

  it('refuses an event missing a field it reads, naming the field', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ data: { playerId: 'ada', bonus: true } }), 2, reader);
    expect(result).toMatchObject({ ok: false, code: 'EVENT_DATA_INVALID' });
    expect(!result.ok && result.reason).toMatch(/points/);
  });

  it('reads an older version through its own schema and the upcaster, then through the reader', () => {
    const result = decodeEnvelope(testEvents, envelopeOf({ version: 1, data: { player: 'old', points: 1 } }), 2, reader);
    expect(result).toMatchObject({ ok: true, envelope: { version: 2, data: { playerId: 'old', points: 1 } } });
  });
});
