import { baseEnvSchema, queueUrlSchema, topicArnSchema } from '@game-mesh/service-runtime';
import { z } from 'zod';
import service from '../service.json';

export const weatherManagerEnv = baseEnvSchema(service.port)
  .extend({
    EVENTS_TOPIC_ARN: topicArnSchema,
    EVENTS_QUEUE_URL: queueUrlSchema,
    EVENTS_DLQ_URL: queueUrlSchema,
    WEATHER_SEED: z.coerce.number().int().min(0).default(42).describe('Seed of the Markov chain (deterministic runs).'),
    WEATHER_TICK_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000).describe('Real time between simulation steps.'),
  });

export type WeatherManagerConfig = z.output<typeof weatherManagerEnv>;

/** Needed unless EVENTS_MODE=log-only. */
export const REQUIRED_WITH_BROKER = ['EVENTS_TOPIC_ARN', 'EVENTS_QUEUE_URL'] as const;
