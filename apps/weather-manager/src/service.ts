// weather-manager: steps a Markov chain on a timer and learns the time of day from time.changed.
import { defineService } from '@game-mesh/runtime';
import { z } from 'zod';
import { declared } from './declared';
import { onTimeChanged } from './handlers/onTimeChanged';
import { weatherRoutes } from './routes';
import { WeatherSimulation, type WeatherChange } from './WeatherSimulation';

export const weatherManager = defineService({
  declared,
  settings: {
    WEATHER_SEED: z.coerce.number().int().min(0).default(42).describe('Seed of the Markov chain (deterministic runs).'),
    WEATHER_TICK_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000).describe('Real time between simulation steps.'),
  },
  build({ config, publisher }) {
    const simulation = new WeatherSimulation(config.WEATHER_SEED);
    const announce = async (change: WeatherChange, cause: 'simulation' | 'operator'): Promise<string> => {
      const { id } = await publisher.publish('weather.changed', { ...change, cause });
      return id;
    };
    let timer: NodeJS.Timeout | undefined;
    return {
      handlers: { main: { 'time.changed': onTimeChanged(simulation, (change) => announce(change, 'simulation')) } },
      routes: weatherRoutes(simulation, (change) => announce(change, 'operator')),
      start() {
        timer = setInterval(() => {
          const change = simulation.step();
          // Failures are logged and counted by the publisher's events; the simulation goes on.
          if (change) void announce(change, 'simulation').catch(() => undefined);
        }, config.WEATHER_TICK_MS);
      },
      stop() {
        clearInterval(timer);
      },
    };
  },
});
