// Tests: defineCatalog.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog } from './catalog';
import { defineEventType, defineEventVersion, type EventTypeDefinition } from './defineEvent';
import { gameEvents } from './gameEvents';

const version = (overrides: Record<string, unknown> = {}) =>
  defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }], ...overrides });
const type = (overrides: Partial<EventTypeDefinition> = {}): EventTypeDefinition =>
  defineEventType({ description: 'd', producer: 'p', topic: 't', current: 1, versions: { 1: version() }, ...overrides }) as EventTypeDefinition;

describe('defineCatalog', () => {
  it('accepts the game catalog, checked again as a whole', () => {
    expect(defineCatalog({ ...gameEvents })).toEqual(gameEvents);
  });

  it.each([
    ['a bad type name', { 'Weather Changed': type() }, /type must look like "domain.event"/],
    ['a current version that is not declared', { 'a.b': type({ current: 2 }) }, /current version 2 is not declared/],
    ['a gap in versions', { 'a.b': type({ versions: { 1: version(), 3: version() } }) }, /without gaps; found 1, 3/],
    ['a reserved attribute', { 'a.b': type({ versions: { 1: version({ filterAttributes: { type: { dataType: 'String', description: '', select: () => 'x' } } }) } }) }, /"type" is reserved/],
    [
      'too many filter attributes',
      { 'a.b': type({ versions: { 1: version({ filterAttributes: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, { dataType: 'String', description: '', select: () => k }])) }) } }) },
      /at most 5 filter attributes/,
    ],
    ['an example that does not match', { 'a.b': type({ versions: { 1: version({ examples: [{ n: 'one' }] }) } }) }, /example 0 does not match its schema/],
    ['one producer on two topics', { 'a.b': type(), 'a.c': type({ topic: 'u' }) }, /p already publishes on topic "t"; one topic per producer/],
    ['two producers on one topic', { 'a.b': type(), 'a.c': type({ producer: 'q' }) }, /topic "t" belongs to p; one producer per topic/],
    ['ordering by a field data lacks', { 'a.b': type({ ordering: { groupBy: 'playerId' } }) }, /a.b v1: ordering.groupBy "playerId" must be a required string field of data/],
    ['ordering by a field that is not a string', { 'a.b': type({ ordering: { groupBy: 'n' } }) }, /ordering.groupBy "n" must be a required string field/],
    [
      'a topic with ordered and unordered types',
      { 'a.b': type({ ordering: { groupBy: 'id' }, versions: { 1: version({ schema: z.object({ id: z.string() }), examples: [{ id: 'x' }] }) } }), 'a.c': type() },
      /a.c: topic "t" mixes ordered and unordered types/,
    ],
  ])('refuses %s', (_label, catalog, message) => {
    expect(() => defineCatalog(catalog)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => defineCatalog({ 'a.b': type({ current: 4, topic: 'Bad Topic' }) })).toThrow(/topic "Bad Topic"[\s\S]*current version 4/);
  });
});
