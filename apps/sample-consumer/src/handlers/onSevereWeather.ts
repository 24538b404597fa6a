import type { EventEnvelope, gameReaders } from '@game-mesh/events';
import type { z } from 'zod';
import type { WorldProjection } from '../WorldProjection';

/** Only intensity >= 0.8 reaches this queue: the SNS filter policy drops the rest at the broker. */
export function onSevereWeather(projection: WorldProjection) {
  return (event: EventEnvelope<'weather.changed', z.output<(typeof gameReaders)['sample-consumer']['weatherChanged']>>): void => {
    projection.applySevere(event, 'severe');
  };
}
