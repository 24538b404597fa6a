// time-manager's HTTP routes: read the clock, set it, pause and resume it.
import { timeChangedV1Schema } from '@game-mesh/events';
import { notPublished, parseBody } from '@game-mesh/runtime';
import type { Express } from 'express';
import { z } from 'zod';
import type { GameClock, PhaseChange } from './GameClock';

// Bounded by the contract the change will produce: the same field schemas as time.changed.
const setTimeBody = z
  .object({
    day: timeChangedV1Schema.shape.day.optional(),
    minuteOfDay: timeChangedV1Schema.shape.minuteOfDay.optional(),
  })
  .strict()
  .refine((body) => body.day !== undefined || body.minuteOfDay !== undefined, 'give day, minuteOfDay or both');
const scaleBody = z.object({ gameMinutesPerSecond: z.number().positive().max(10_000) }).strict();

/** A copy of the clock to try a change on: the real one changes only once the change is published. */
const draftOf = (clock: GameClock): GameClock => Object.assign(Object.create(Object.getPrototypeOf(clock) as object) as GameClock, clock);

/**
 * Operator API of the clock. Every change is published as time.changed (cause "operator"), and
 * made only once published: a publish that fails leaves the clock as it was and answers 503.
 */
export function timeRoutes(clock: GameClock, announce: (change: PhaseChange) => Promise<string>) {
  return (app: Express): void => {
    app.get('/time', (_req, res) => void res.json(clock.snapshot()));
    app.put('/time', async (req, res) => {
      const body = parseBody(setTimeBody, req, res);
      if (!body) return;
      // The clock must be able to publish this time and keep running from it: the event it makes
      // now, and the day after, must both satisfy time.changed (else every later tick would fail).
      const preview = draftOf(clock).set(body);
      const problems = [preview, { ...preview, day: preview.day + 1 }].flatMap((change) => {
        const checked = timeChangedV1Schema.safeParse({ ...change, cause: 'operator' });
        return checked.success ? [] : checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: `${issue.message} (the clock could not publish time.changed from here)` }));
      });
      if (problems.length > 0) {
        res.status(400).json({ error: 'invalid body', issues: problems });
        return;
      }
      let eventId: string;
      try {
        eventId = await announce(preview);
      } catch (error) {
        notPublished(res, error, 'the clock is unchanged');
        return;
      }
      clock.set(body);
      res.json({ ...clock.snapshot(), eventId });
    });
    app.put('/time/scale', async (req, res) => {
      const body = parseBody(scaleBody, req, res);
      if (!body) return;
      const draft = draftOf(clock);
      draft.setScale(body.gameMinutesPerSecond);
      let eventId: string;
      try {
        eventId = await announce(draft.set({}));
      } catch (error) {
        notPublished(res, error, 'the clock is unchanged');
        return;
      }
      clock.setScale(body.gameMinutesPerSecond);
      clock.set({});
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
