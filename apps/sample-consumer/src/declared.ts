// Generated from apps/sample-consumer/service.json by `npm run services`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import { queueUrlSchema } from '@game-mesh/service-runtime';
import declaration from '../service.json';

export const SERVICE_NAME = 'sample-consumer';
/** The declaration, checked as the stack reads it. */
export const service = parseServiceDeclaration(declaration, 'apps/sample-consumer/service.json');

/** What this service reads of each event it consumes, by queue: the fields its declaration lists. */
export const reads = {
  main: {
    'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }),
    'time.changed': gameEvents['time.changed'].versions[1].schema.pick({ phase: true, day: true, minuteOfDay: true, season: true }),
  },
  severe: {
    'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }),
  },
} as const;

/** Its broker variables: the topic it publishes to, its queues and their dead-letter queues. */
export const brokerEnv = {
  EVENTS_QUEUE_URL: queueUrlSchema,
  EVENTS_DLQ_URL: queueUrlSchema,
  EVENTS_QUEUE_URL_SEVERE: queueUrlSchema,
  EVENTS_DLQ_URL_SEVERE: queueUrlSchema,
};

/** The broker variables it cannot run without, unless EVENTS_MODE=log-only. */
export const REQUIRED_WITH_BROKER = ['EVENTS_QUEUE_URL', 'EVENTS_QUEUE_URL_SEVERE'] as const;
