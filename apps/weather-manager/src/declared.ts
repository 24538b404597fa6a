// Generated from apps/weather-manager/service.json by `npm run services`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import type { Handlers } from '@game-mesh/runtime';
import declaration from '../service.json';

/** weather-manager as its service.json declares it, checked; with what it reads of each event it consumes, by queue. */
export const declared = {
  catalog: gameEvents,
  declaration: parseServiceDeclaration(declaration, 'apps/weather-manager/service.json'),
  publishes: ['weather.changed'],
  readers: {
    main: {
      'time.changed': gameEvents['time.changed'].versions[1].schema.pick({ phase: true, season: true }),
    },
  },
} as const;

/** One handler per (queue, event type) it declares: `build()` returns exactly these. */
export type DeclaredHandlers = Handlers<typeof declared.readers>;
