// Generated from apps/inventory/service.json by `npm run services`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import type { Handlers } from '@game-mesh/runtime';
import declaration from '../service.json';

/** inventory as its service.json declares it, checked; with what it reads of each event it consumes, by queue. */
export const declared = {
  catalog: gameEvents,
  declaration: parseServiceDeclaration(declaration, 'apps/inventory/service.json'),
  publishes: ['item.granted', 'item.spent'],
  readers: {},
} as const;

/** One handler per (queue, event type) it declares: `build()` returns exactly these. */
export type DeclaredHandlers = Handlers<typeof declared.readers>;
