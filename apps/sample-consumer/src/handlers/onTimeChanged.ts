// sample-consumer's handler of time.changed on its main queue.
import type { DeclaredHandlers } from '../declared';
import type { WorldProjection } from '../WorldProjection';

/** The game clock moved: the projection's time of day and season. */
export function onTimeChanged(projection: WorldProjection): DeclaredHandlers['main']['time.changed'] {
  return (event) => {
    projection.applyTime(event, 'main');
  };
}
