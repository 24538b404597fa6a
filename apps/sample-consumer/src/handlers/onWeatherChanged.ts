// sample-consumer's handler of weather.changed on its main queue.
import type { DeclaredHandlers } from '../declared';
import type { WorldProjection } from '../WorldProjection';

/** Every weather change reaches the main queue: the projection's current weather. */
export function onWeatherChanged(projection: WorldProjection): DeclaredHandlers['main']['weather.changed'] {
  return (event) => {
    projection.applyWeather(event, 'main');
  };
}
