import { baseEnvSchema, queueUrlSchema } from '@game-mesh/service-runtime';
import { z } from 'zod';
import service from '../service.json';

export const sampleConsumerEnv = baseEnvSchema(service.port)
  .extend({
    EVENTS_QUEUE_URL: queueUrlSchema,
    EVENTS_DLQ_URL: queueUrlSchema,
    EVENTS_QUEUE_URL_SEVERE: queueUrlSchema,
    EVENTS_DLQ_URL_SEVERE: queueUrlSchema,
    LIVE_STATS_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  });

export type SampleConsumerConfig = z.output<typeof sampleConsumerEnv>;

/** Needed unless EVENTS_MODE=log-only. */
export const REQUIRED_WITH_BROKER = ['EVENTS_QUEUE_URL', 'EVENTS_QUEUE_URL_SEVERE'] as const;
