import type { EventData, EventEnvelope, GameEvents } from '@game-mesh/events';
import type { WorldProjection } from '../WorldProjection';

export function onTimeChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'time.changed', EventData<GameEvents, 'time.changed'>>): void => {
    projection.applyTime(event, 'main');
  };
}
