import type { EventEnvelope, gameReaders } from '@game-mesh/events';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

export function onWeatherChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', z.output<(typeof gameReaders)['sample-consumer']['weatherChanged']>>): void => {
    projection.applyWeather(event, 'main');
  };
}
