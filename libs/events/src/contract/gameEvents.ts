// The game's catalog: every event type the services publish.
import { defineCatalog } from './catalog';
import { itemGranted, itemSpent } from './events/item';
import { timeChanged } from './events/time';
import { weatherChanged } from './events/weather';

/** The game's event catalog: the public API between services. */
export const gameEvents = defineCatalog({
  'weather.changed': weatherChanged,
  'time.changed': timeChanged,
  'item.granted': itemGranted,
  'item.spent': itemSpent,
});

export type GameEvents = typeof gameEvents;
