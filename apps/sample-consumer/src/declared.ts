// Generated from apps/sample-consumer/service.json by `npm run services`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import type { Handlers } from '@game-mesh/runtime';
import declaration from '../service.json';

/** sample-consumer as its service.json declares it, checked; with what it reads of each event it consumes, by queue. */
export const declared = {
  catalog: gameEvents,
  declaration: parseServiceDeclaration(declaration, 'apps/sample-consumer/service.json'),
  publishes: [],
  readers: {
    main: {
      'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }),
      'time.changed': gameEvents['time.changed'].versions[1].schema.pick({ phase: true, day: true, minuteOfDay: true, season: true }),
    },
    severe: {
      'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }),
    },
    inventory: {
      'item.granted': gameEvents['item.granted'].versions[1].schema.pick({ playerId: true, item: true, quantity: true }),
      'item.spent': gameEvents['item.spent'].versions[1].schema.pick({ playerId: true, item: true, quantity: true }),
    },
  },
} as const;

/** One handler per (queue, event type) it declares: `build()` returns exactly these. */
export type DeclaredHandlers = Handlers<typeof declared.readers>;
