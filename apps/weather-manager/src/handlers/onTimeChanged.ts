// weather-manager's handler of time.changed on its main queue.
import type { DeclaredHandlers } from '../declared';
import type { WeatherChange, WeatherSimulation } from '../WeatherSimulation';

/**
 * The clock moved: the chain's probabilities follow the new phase and season, and the weather
 * takes one step at once. A change is published from inside the handler, so it carries
 * time.changed as its cause (causationId) and its correlation.
 */
export function onTimeChanged(simulation: WeatherSimulation, announce: (change: WeatherChange) => Promise<unknown>): DeclaredHandlers['main']['time.changed'] {
  return async (event) => {
    simulation.setTime(event.data.phase, event.data.season);
    const change = simulation.step();
    if (change) await announce(change);
  };
}
