import { parseBody } from '@game-mesh/service-runtime';
import type { Express } from 'express';
import { z } from 'zod';
import type { GameClock, PhaseChange } from './GameClock';

const setTimeBody = z
  .object({
    day: z.int().min(1).optional(),
    minuteOfDay: z.int().min(0).max(1_439).optional(),
  })
  .strict()
  .refine((body) => body.day !== undefined || body.minuteOfDay !== undefined, 'give day, minuteOfDay or both');
const scaleBody = z.object({ gameMinutesPerSecond: z.number().positive().max(10_000) }).strict();

/** Operator API of the clock. Every change is published as time.changed (cause "operator"). */
export function timeRoutes(clock: GameClock, announce: (change: PhaseChange) => Promise<string>) {
  return (app: Express): void => {
    app.get('/time', (_req, res) => void res.json(clock.snapshot()));
    app.put('/time', async (req, res) => {
      const body = parseBody(setTimeBody, req, res);
      if (!body) return;
      const eventId = await announce(clock.set(body));
      res.json({ ...clock.snapshot(), eventId });
    });
    app.put('/time/scale', async (req, res) => {
      const body = parseBody(scaleBody, req, res);
      if (!body) return;
      clock.setScale(body.gameMinutesPerSecond);
      const eventId = await announce(clock.set({}));
      res.json({ ...clock.snapshot(), eventId });
    });
    app.post('/time/pause', (_req, res) => {
      clock.setPaused(true);
      res.json(clock.snapshot());
    });
    app.post('/time/resume', (_req, res) => {
      clock.setPaused(false);
      res.json(clock.snapshot());
    });
  };
}
