import type { EventEnvelope, gameReaders } from '@game-mesh/events';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

export function onTimeChanged(projection: WorldProjection) {
  return (event: EventEnvelope<'time.changed', z.output<(typeof gameReaders)['sample-consumer']['timeChanged']>>): void => {
    projection.applyTime(event, 'main');
  };
}
