import { baseEnvSchema } from '@game-mesh/service-runtime';
import { z } from 'zod';
import { brokerEnv, service } from './declared';

export const weatherManagerEnv = baseEnvSchema(service.port)
  .extend({
    ...brokerEnv,
    WEATHER_SEED: z.coerce.number().int().min(0).default(42).describe('Seed of the Markov chain (deterministic runs).'),
    WEATHER_TICK_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000).describe('Real time between simulation steps.'),
  });

export type WeatherManagerConfig = z.output<typeof weatherManagerEnv>;

export { REQUIRED_WITH_BROKER } from './declared';
