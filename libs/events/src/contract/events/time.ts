// time.changed: the game clock moved to another phase of the day (time-manager).
import { z } from 'zod';
import { defineEventType, defineEventVersion } from '../defineEvent';

export const dayPhaseSchema = z.enum(['dawn', 'day', 'dusk', 'night']).describe('Part of the game day.');
export const seasonSchema = z.enum(['spring', 'summer', 'autumn', 'winter']).describe('Season of the game year.');

export const timeChangedV1Schema = z
  .object({
    phase: dayPhaseSchema,
    previousPhase: dayPhaseSchema.nullable().describe('Phase before the change; null on the first event of a clock.'),
    day: z.int().min(1).describe('Game day number, starting at 1.'),
    minuteOfDay: z.int().min(0).max(1439).describe('Game time of day, in minutes since midnight (0..1439).'),
    season: seasonSchema,
    cause: z
      .enum(['clock', 'operator'])
      .describe('"clock": the phase changed as time passed; "operator": the clock was set or rescaled.'),
  })
  .describe('The game clock entered a new phase, or an operator changed it.');

export type DayPhase = z.output<typeof dayPhaseSchema>;
export type Season = z.output<typeof seasonSchema>;

export const timeChanged = defineEventType({
  description: 'The game clock changed phase (dawn, day, dusk, night) or was changed by an operator.',
  producer: 'time-manager',
  topic: 'time',
  current: 1,
  versions: {
    1: defineEventVersion({
      schema: timeChangedV1Schema,
      filterAttributes: {
        phase: { dataType: 'String', description: 'The new phase.', select: (data) => data.phase },
        season: { dataType: 'String', description: 'The season.', select: (data) => data.season },
      },
      examples: [
        { phase: 'dusk', previousPhase: 'day', day: 3, minuteOfDay: 1080, season: 'spring', cause: 'clock' },
        { phase: 'night', previousPhase: null, day: 1, minuteOfDay: 0, season: 'winter', cause: 'operator' },
      ],
    }),
  },
});
