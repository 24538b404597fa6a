import type { EventEnvelope } from '@game-mesh/events';
import type { reads } from '../declared';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

export function onWeatherChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', z.output<(typeof reads)['main']['weather.changed']>>): void => {
    projection.applyWeather(event, 'main');
  };
}
