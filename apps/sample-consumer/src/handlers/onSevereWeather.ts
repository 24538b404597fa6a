import type { EventData, EventEnvelope, GameEvents } from '@game-mesh/events';
import type { WorldProjection } from '../WorldProjection';

/** Only intensity >= 0.8 reaches this queue: the SNS filter policy drops the rest at the broker. */
export function onSevereWeather(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', EventData<GameEvents, 'weather.changed'>>): void => {
    projection.applySevere(event, 'severe');
  };
}
