import { timeChangedV1Schema } from '../contract/events/time';
import { weatherChangedV1Schema } from '../contract/events/weather';
import { gameEvents } from '../contract/gameEvents';
import { defineTopology } from './declaration';

/**
 * What each consumer reads of each event: its reader schemas (tolerant readers). A producer may
 * change or drop any field no reader lists; the contract gate refuses one that a reader needs.
 */
export const gameReaders = {
  'weather-manager': {
    timeChanged: timeChangedV1Schema.pick({ phase: true, season: true }),
  },
  'sample-consumer': {
    weatherChanged: weatherChangedV1Schema.pick({ current: true }),
    timeChanged: timeChangedV1Schema.pick({ phase: true, day: true, minuteOfDay: true, season: true }),
  },
};

/**
 * Who reads what. Each consuming service owns its queues; producers own their topics (from the
 * catalog). `npm start`, `docker compose`, the CDK stacks and the ops CLI all read this one place.
 */
export const gameTopology = defineTopology({
  catalog: gameEvents,
  consumers: {
    'weather-manager': {
      main: { subscriptions: [{ type: 'time.changed', version: 1, reads: gameReaders['weather-manager'].timeChanged }] },
    },
    'sample-consumer': {
      main: {
        subscriptions: [
          { type: 'weather.changed', version: 1, reads: gameReaders['sample-consumer'].weatherChanged },
          { type: 'time.changed', version: 1, reads: gameReaders['sample-consumer'].timeChanged },
        ],
      },
      // Filtering at the broker: only severe weather reaches this queue.
      severe: { subscriptions: [{ type: 'weather.changed', version: 1, filter: { intensity: [{ numeric: ['>=', 0.8] }] }, reads: gameReaders['sample-consumer'].weatherChanged }] },
    },
  },
});
