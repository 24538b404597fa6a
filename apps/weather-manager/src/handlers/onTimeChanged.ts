import type { EventEnvelope } from '@game-mesh/events';
import type { reads } from '../declared';
import type { z } from 'zod';
import type { WeatherChange, WeatherSimulation } from '../WeatherSimulation';

/** What this service reads of time.changed: its reader schema in the topology. */
export type TimeChangedRead = z.output<(typeof reads)['main']['time.changed']>;

/**
 * The clock moved: the chain's probabilities follow the new phase and season, and the weather
 * takes one step at once. A change is published from inside the handler, so it carries
 * time.changed as its cause (causationId) and its correlation.
 */
export function onTimeChanged(simulation: WeatherSimulation, announce: (change: WeatherChange) => Promise<unknown>) {
  return async (event: EventEnvelope<'time.changed', TimeChangedRead>): Promise<void> => {
    simulation.setTime(event.data.phase, event.data.season);
    const change = simulation.step();
    if (change) await announce(change);
  };
}
