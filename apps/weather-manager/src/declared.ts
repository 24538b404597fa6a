// Generated from apps/weather-manager/service.json by `npm run services`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import { queueUrlSchema, topicArnSchema } from '@game-mesh/service-runtime';
import declaration from '../service.json';

export const SERVICE_NAME = 'weather-manager';
/** The declaration, checked as the stack reads it. */
export const service = parseServiceDeclaration(declaration, 'apps/weather-manager/service.json');

/** What this service reads of each event it consumes, by queue: the fields its declaration lists. */
export const reads = {
  main: {
    'time.changed': gameEvents['time.changed'].versions[1].schema.pick({ phase: true, season: true }),
  },
} as const;

/** The topic it publishes to (the catalog's, one per producer); its ARN comes in EVENTS_TOPIC_ARN. */
export const TOPIC = 'weather';

/** Its broker variables: the topic it publishes to, its queues and their dead-letter queues. */
export const brokerEnv = {
  EVENTS_TOPIC_ARN: topicArnSchema,
  EVENTS_QUEUE_URL: queueUrlSchema,
  EVENTS_DLQ_URL: queueUrlSchema,
};

/** The broker variables it cannot run without, unless EVENTS_MODE=log-only. */
export const REQUIRED_WITH_BROKER = ['EVENTS_TOPIC_ARN', 'EVENTS_QUEUE_URL'] as const;
