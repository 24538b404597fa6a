import { weatherStateSchema, type WeatherState } from '@game-mesh/events';
import { parseBody } from '@game-mesh/service-runtime';
import type { Express } from 'express';
import type { WeatherChange, WeatherSimulation } from './WeatherSimulation';

/** `GET /weather` and the operator override, which publishes weather.changed (cause "operator"). */
export function weatherRoutes(simulation: WeatherSimulation, announce: (change: WeatherChange) => Promise<string>) {
  return (app: Express): void => {
    app.get('/weather', (_req, res) => {
      res.json({ ...simulation.current, ...simulation.context, transitions: simulation.transitions() });
    });
    app.put('/weather', async (req, res) => {
      const body: WeatherState | undefined = parseBody(weatherStateSchema.strict(), req, res);
      if (!body) return;
      const eventId = await announce(simulation.set(body));
      res.json({ ...simulation.current, eventId });
    });
  };
}
