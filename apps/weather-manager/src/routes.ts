// weather-manager's HTTP routes: read the weather, and set it (published as weather.changed).
import { weatherStateSchema, type WeatherState } from '@game-mesh/events';
import { notPublished, parseBody } from '@game-mesh/runtime';
import type { Express } from 'express';
import type { WeatherChange, WeatherSimulation } from './WeatherSimulation';

/** `GET /weather` and the operator override, which publishes weather.changed (cause "operator"). */
export function weatherRoutes(simulation: WeatherSimulation, announce: (change: WeatherChange) => Promise<string>) {
  return (app: Express): void => {
    app.get('/weather', (_req, res) => {
      res.json({ ...simulation.current, ...simulation.context, transitions: simulation.transitions() });
    });
    // Atomic: the weather changes only once its weather.changed is published; a publish that fails
    // leaves it as it was and answers 503 with the reason.
    app.put('/weather', async (req, res) => {
      const body: WeatherState | undefined = parseBody(weatherStateSchema.strict(), req, res);
      if (!body) return;
      let eventId: string;
      try {
        eventId = await announce({ previous: simulation.current, current: body });
      } catch (error) {
        notPublished(res, error, 'the weather is unchanged');
        return;
      }
      simulation.set(body);
      res.json({ ...simulation.current, eventId });
    });
  };
}
