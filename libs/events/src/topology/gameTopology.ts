import { gameEvents } from '../contract/gameEvents';
import { defineTopology } from './declaration';

/**
 * Who reads what. Each consuming service owns its queues; producers own their topics (from the
 * catalog). `npm start`, `docker compose`, the CDK stacks and the ops CLI all read this one place.
 */
export const gameTopology = defineTopology({
  catalog: gameEvents,
  consumers: {
    'weather-manager': {
      main: { subscriptions: [{ type: 'time.changed' }] },
    },
    'sample-consumer': {
      main: { subscriptions: [{ type: 'weather.changed' }, { type: 'time.changed' }] },
      // Filtering at the broker: only severe weather reaches this queue.
      severe: { subscriptions: [{ type: 'weather.changed', filter: { intensity: [{ numeric: ['>=', 0.8] }] } }] },
    },
  },
});
