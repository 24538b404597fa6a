import type { EventEnvelope } from '@game-mesh/events';
import type { reads } from '../declared';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

/** Only intensity >= 0.8 reaches this queue: the SNS filter policy drops the rest at the broker. */
export function onSevereWeather(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', z.output<(typeof reads)['severe']['weather.changed']>>): void => {
    projection.applySevere(event, 'severe');
  };
}
