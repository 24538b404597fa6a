import { gameEvents, Publisher, Subscriber, type GameEvents } from '@game-mesh/events';
import type { ServiceDefinition } from '@game-mesh/service-runtime';
import { weatherManagerEnv, REQUIRED_WITH_BROKER, type WeatherManagerConfig } from './config';
import { reads, SERVICE_NAME, TOPIC } from './declared';
import { onTimeChanged } from './handlers/onTimeChanged';
import { weatherRoutes } from './routes';
import { WeatherSimulation, type WeatherChange } from './WeatherSimulation';

/** The weather: steps a Markov chain on a timer, learns the time of day from time.changed. */
export const weatherManager: ServiceDefinition<WeatherManagerConfig, GameEvents> = {
  name: SERVICE_NAME,
  envSchema: weatherManagerEnv,
  requiredWithBroker: REQUIRED_WITH_BROKER,
  build({ config, logger, clients }) {
    const simulation = new WeatherSimulation(config.WEATHER_SEED);
    const publisher = new Publisher({
      catalog: gameEvents,
      source: SERVICE_NAME,
      logger,
      transport: clients && config.EVENTS_TOPIC_ARN ? { mode: 'sns', sns: clients.sns, topicArns: { [TOPIC]: config.EVENTS_TOPIC_ARN } } : { mode: 'log-only' },
    });
    const announce = async (change: WeatherChange, cause: 'simulation' | 'operator'): Promise<string> => {
      const { id } = await publisher.publish('weather.changed', { ...change, cause });
      return id;
    };
    const queueUrl = config.EVENTS_QUEUE_URL;
    const subscriber =
      clients && queueUrl
        ? new Subscriber({ catalog: gameEvents, sqs: clients.sqs, queueUrl, deadLetterQueueUrl: config.EVENTS_DLQ_URL, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }).subscribe(
            'time.changed',
            onTimeChanged(simulation, (change) => announce(change, 'simulation')),
            { reads: reads.main['time.changed'] },
          )
        : undefined;
    let timer: NodeJS.Timeout | undefined;
    return {
      publisher,
      topicArn: config.EVENTS_TOPIC_ARN,
      ...(subscriber && queueUrl ? { subscribers: { main: { subscriber, queueUrl, deadLetterQueueUrl: config.EVENTS_DLQ_URL } } } : {}),
      routes: weatherRoutes(simulation, (change) => announce(change, 'operator')),
      start() {
        timer = setInterval(() => {
          const change = simulation.step();
          // Failures are logged and counted by the publisher's events; the simulation goes on.
          if (change) void announce(change, 'simulation').catch(() => undefined);
        }, config.WEATHER_TICK_MS);
      },
      stop() {
        clearInterval(timer);
      },
    };
  },
};
