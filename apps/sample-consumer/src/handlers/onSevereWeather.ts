// sample-consumer's handler of weather.changed on its severe queue.
import type { DeclaredHandlers } from '../declared';
import type { WorldProjection } from '../WorldProjection';

/** Only intensity >= 0.8 reaches this queue: the SNS filter policy drops the rest at the broker. */
export function onSevereWeather(projection: WorldProjection): DeclaredHandlers['severe']['weather.changed'] {
  return (event) => {
    projection.applySevere(event, 'severe');
  };
}
