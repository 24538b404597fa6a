import type { EventEnvelope } from '@game-mesh/events';
import type { reads } from '../declared';
import type { z } from 'zod';
import type { WeatherSimulation } from '../WeatherSimulation';

/** What this service reads of time.changed: its reader schema in the topology. */
export type TimeChangedRead = z.output<(typeof reads)['main']['time.changed']>;

/** The clock moved: the chain's probabilities follow the new phase and season. */
export function onTimeChanged(simulation: WeatherSimulation) {
  return (event: EventEnvelope<'time.changed', TimeChangedRead>): void => {
    simulation.setTime(event.data.phase, event.data.season);
  };
}
