// Tests: checkConsumerReads.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testEvents } from '../../test/testEvents';
import { defineCatalog } from './catalog';
import { defineEventType, defineEventVersion } from './defineEvent';
import { checkConsumerReads } from './expectations';

describe('checkConsumerReads', () => {
  it('passes when every read has a producer whose examples decode, older versions upcast', () => {
    expect(checkConsumerReads(testEvents, 'board', [{ type: 'score.changed', version: 2 }, { type: 'match.ended', version: 1 }])).toEqual([]);
  });

  it('names the consumer and the type when nobody produces it', () => {
    expect(checkConsumerReads(testEvents, 'ghost-reader', [{ type: 'weather.exploded', version: 1 }])).toEqual([
      'ghost-reader reads "weather.exploded" v1, but no producer in the catalog publishes "weather.exploded"',
    ]);
  });

  it('names consumer and producer when the producer publishes a version the consumer cannot read', () => {
    const problems = checkConsumerReads(testEvents, 'stats', [{ type: 'score.changed', version: 1 }]);
    expect(problems).toEqual([expect.stringMatching(/^stats cannot read scorer's score.changed v2 example 1 as v1: VERSION_NOT_READABLE/)]);
  });

  it('catches an upcaster that no longer produces valid data', () => {
    const catalog = defineCatalog({
      'a.b': defineEventType({
        description: 'd',
        producer: 'p',
        topic: 't',
        current: 2,
        versions: {
          1: defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }] }),
          2: defineEventVersion({ schema: z.object({ n: z.number(), m: z.number() }), upcastFromPrevious: (p: { n: number }) => ({ n: p.n }) as { n: number; m: number }, examples: [{ n: 1, m: 2 }] }),
        },
      }),
    });
    expect(checkConsumerReads(catalog, 'c', [{ type: 'a.b', version: 2 }])).toEqual([expect.stringMatching(/^c cannot read p's a.b v1 example 1 as v2: UPCAST_FAILED.*m: Invalid input/)]);
  });
});
