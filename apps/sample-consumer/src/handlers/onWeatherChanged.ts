import type { EventData, EventEnvelope, GameEvents } from '@game-mesh/events';
import type { WorldProjection } from '../WorldProjection';

export function onWeatherChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', EventData<GameEvents, 'weather.changed'>>): void => {
    projection.applyWeather(event, 'main');
  };
}
