import { baseEnvSchema } from '@game-mesh/service-runtime';
import { z } from 'zod';
import { brokerEnv, service } from './declared';

export const sampleConsumerEnv = baseEnvSchema(service.port)
  .extend({
    ...brokerEnv,
    LIVE_STATS_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  });

export type SampleConsumerConfig = z.output<typeof sampleConsumerEnv>;

export { REQUIRED_WITH_BROKER } from './declared';
