// sample-consumer: what a third team would write, a projection of the world from events and a live page.
import { defineService } from '@game-mesh/runtime';
import { z } from 'zod';
import { declared } from './declared';
import { onItemChanged } from './handlers/onItemChanged';
import { onSevereWeather } from './handlers/onSevereWeather';
import { onTimeChanged } from './handlers/onTimeChanged';
import { onWeatherChanged } from './handlers/onWeatherChanged';
import { consumerRoutes } from './routes';
import { WorldProjection } from './WorldProjection';

export const sampleConsumer = defineService({
  declared,
  settings: {
    LIVE_STATS_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000).describe('How often the live page gets queue depths.'),
  },
  build({ config, logger, streams, queueDepths }) {
    const projection = new WorldProjection();
    return {
      handlers: {
        main: { 'weather.changed': onWeatherChanged(projection), 'time.changed': onTimeChanged(projection) },
        severe: { 'weather.changed': onSevereWeather(projection) },
        inventory: onItemChanged(projection, logger),
      },
      routes: consumerRoutes(projection, { queues: queueDepths, statsIntervalMs: config.LIVE_STATS_INTERVAL_MS, streams }),
    };
  },
});
