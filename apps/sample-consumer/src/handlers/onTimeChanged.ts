import type { EventEnvelope } from '@game-mesh/events';
import type { reads } from '../declared';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

export function onTimeChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'time.changed', z.output<(typeof reads)['main']['time.changed']>>): void => {
    projection.applyTime(event, 'main');
  };
}
