// sample-consumer's handler of item.granted and item.spent on its inventory queue (FIFO: each
// player's changes arrive in order); an impossible change is logged as an error and shown.
import type { ServiceLogger } from '@game-mesh/runtime';
import type { DeclaredHandlers } from '../declared';
import type { WorldProjection } from '../WorldProjection';

export function onItemChanged(projection: WorldProjection, logger: ServiceLogger): DeclaredHandlers['inventory'] {
  const apply = (event: Parameters<DeclaredHandlers['inventory']['item.granted']>[0] | Parameters<DeclaredHandlers['inventory']['item.spent']>[0]): void => {
    const error = projection.applyItem(event, 'inventory');
    if (error !== undefined) logger.error({ eventId: event.id, eventType: event.type, playerId: event.data.playerId }, `inventory projection: ${error}`);
  };
  return { 'item.granted': apply, 'item.spent': apply };
}
