// A catalog for the transport's tests, with two versions and an upcaster.
import { z } from 'zod';
import { defineCatalog } from '../src/contract/catalog';
import { defineEventType, defineEventVersion } from '../src/contract/defineEvent';
import { defineTopology } from '../src/topology/defineTopology';

/** A small catalog for transport tests: versioning, filter attributes, two producers. */
export const testEvents = defineCatalog({
  'score.changed': defineEventType({
    description: 'A player score changed.',
    producer: 'scorer',
    topic: 'scores',
    current: 2,
    versions: {
      1: defineEventVersion({
        schema: z.object({ player: z.string(), points: z.number() }),
        filterAttributes: { points: { dataType: 'Number', description: 'points', select: (d) => d.points } },
        examples: [{ player: 'ada', points: 3 }],
      }),
      2: defineEventVersion({
        schema: z.object({ playerId: z.string(), points: z.number(), bonus: z.boolean() }),
        filterAttributes: { points: { dataType: 'Number', description: 'points', select: (d) => d.points } },
        upcastFromPrevious: (previous: { player: string; points: number }) => ({ playerId: previous.player, points: previous.points, bonus: false }),
        examples: [{ playerId: 'ada', points: 3, bonus: true }],
      }),
    },
  }),
  'match.ended': defineEventType({
    description: 'A match ended.',
    producer: 'referee',
    topic: 'matches',
    current: 1,
    versions: { 1: defineEventVersion({ schema: z.object({ matchId: z.string(), winner: z.string() }), examples: [{ matchId: 'm1', winner: 'ada' }] }) },
  }),
});
export type TestEvents = typeof testEvents;

export const testTopology = defineTopology({
  catalog: testEvents,
  consumers: {
    board: { main: { subscriptions: [{ type: 'score.changed' }, { type: 'match.ended' }], maxReceiveCount: 3, visibilityTimeoutSeconds: 30 } },
    stats: { main: { subscriptions: [{ type: 'score.changed', version: 1 }] } },
    alerts: { main: { subscriptions: [{ type: 'score.changed', filter: { points: [{ numeric: ['>=', 100] }] } }] } },
  },
});

