import { gameEvents, Subscriber, type GameEvents } from '@game-mesh/events';
import { queueDepths, type ServiceDefinition } from '@game-mesh/service-runtime';
import { sampleConsumerEnv, REQUIRED_WITH_BROKER, type SampleConsumerConfig } from './config';
import { reads, SERVICE_NAME } from './declared';
import { onSevereWeather } from './handlers/onSevereWeather';
import { onTimeChanged } from './handlers/onTimeChanged';
import { onWeatherChanged } from './handlers/onWeatherChanged';
import { consumerRoutes } from './routes';
import { WorldProjection } from './WorldProjection';

/** What a third team would write: a projection of the world from events, and a live page. */
export const sampleConsumer: ServiceDefinition<SampleConsumerConfig, GameEvents> = {
  name: SERVICE_NAME,
  envSchema: sampleConsumerEnv,
  requiredWithBroker: REQUIRED_WITH_BROKER,
  build({ config, logger, clients, streams, idempotencyStore }) {
    const projection = new WorldProjection();
    const common = { catalog: gameEvents, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...(idempotencyStore ? { idempotencyStore } : {}) };
    const subscribers: Record<string, { subscriber: Subscriber<GameEvents>; queueUrl: string; deadLetterQueueUrl?: string | undefined }> = {};
    const watched: Record<string, string> = {};
    if (clients && config.EVENTS_QUEUE_URL && config.EVENTS_QUEUE_URL_SEVERE) {
      const main = new Subscriber({ ...common, sqs: clients.sqs, queueUrl: config.EVENTS_QUEUE_URL, deadLetterQueueUrl: config.EVENTS_DLQ_URL })
        .subscribe('weather.changed', onWeatherChanged(projection), { reads: reads.main['weather.changed'] })
        .subscribe('time.changed', onTimeChanged(projection), { reads: reads.main['time.changed'] });
      const severe = new Subscriber({ ...common, sqs: clients.sqs, queueUrl: config.EVENTS_QUEUE_URL_SEVERE, deadLetterQueueUrl: config.EVENTS_DLQ_URL_SEVERE })
        .subscribe('weather.changed', onSevereWeather(projection), { reads: reads.severe['weather.changed'] });
      subscribers['main'] = { subscriber: main, queueUrl: config.EVENTS_QUEUE_URL, deadLetterQueueUrl: config.EVENTS_DLQ_URL };
      subscribers['severe'] = { subscriber: severe, queueUrl: config.EVENTS_QUEUE_URL_SEVERE, deadLetterQueueUrl: config.EVENTS_DLQ_URL_SEVERE };
      Object.assign(watched, { main: config.EVENTS_QUEUE_URL, severe: config.EVENTS_QUEUE_URL_SEVERE });
      if (config.EVENTS_DLQ_URL) watched['main-dlq'] = config.EVENTS_DLQ_URL;
      if (config.EVENTS_DLQ_URL_SEVERE) watched['severe-dlq'] = config.EVENTS_DLQ_URL_SEVERE;
    }
    const sqs = clients?.sqs;
    return {
      subscribers,
      routes: consumerRoutes(projection, {
        queues: async () => (sqs ? queueDepths(sqs, watched) : {}),
        statsIntervalMs: config.LIVE_STATS_INTERVAL_MS,
        streams,
      }),
    };
  },
};
