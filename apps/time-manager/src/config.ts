import { baseEnvSchema } from '@game-mesh/service-runtime';
import { z } from 'zod';
import { brokerEnv, service } from './declared';

export const timeManagerEnv = baseEnvSchema(service.port)
  .extend({
    ...brokerEnv,
    CLOCK_GAME_MINUTES_PER_SECOND: z.coerce.number().positive().max(10_000).default(10).describe('Game minutes per real second.'),
    CLOCK_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    CLOCK_START_DAY: z.coerce.number().int().min(1).default(1),
    CLOCK_START_MINUTE: z.coerce.number().int().min(0).max(1_439).default(390).describe('Minutes since midnight at start (06:30).'),
    CLOCK_DAYS_PER_SEASON: z.coerce.number().int().min(1).max(365).default(3),
  });

export type TimeManagerConfig = z.output<typeof timeManagerEnv>;

export { REQUIRED_WITH_BROKER } from './declared';
