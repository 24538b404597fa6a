import type { EventEnvelope, EventData, GameEvents } from '@game-mesh/events';
import type { WeatherSimulation } from '../WeatherSimulation';

/** The clock moved: the chain's probabilities follow the new phase and season. */
export function onTimeChanged(simulation: WeatherSimulation) {
  return (event: EventEnvelope<'time.changed', EventData<GameEvents, 'time.changed'>>): void => {
    simulation.setTime(event.data.phase, event.data.season);
  };
}
