// time-manager: the game clock; advances on a timer and publishes time.changed on every phase change.
import { defineService } from '@game-mesh/runtime';
import { z } from 'zod';
import { declared } from './declared';
import { GameClock, type PhaseChange } from './GameClock';
import { timeRoutes } from './routes';

export const timeManager = defineService({
  declared,
  settings: {
    CLOCK_GAME_MINUTES_PER_SECOND: z.coerce.number().positive().max(10_000).default(10).describe('Game minutes per real second.'),
    CLOCK_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(250).describe('Real time between clock steps.'),
    CLOCK_START_DAY: z.coerce.number().int().min(1).default(1).describe('Game day at start.'),
    CLOCK_START_MINUTE: z.coerce.number().int().min(0).max(1_439).default(390).describe('Minutes since midnight at start (06:30).'),
    CLOCK_DAYS_PER_SEASON: z.coerce.number().int().min(1).max(365).default(3).describe('Game days per season.'),
  },
  build({ config, publisher }) {
    const clock = new GameClock({
      day: config.CLOCK_START_DAY,
      minuteOfDay: config.CLOCK_START_MINUTE,
      gameMinutesPerSecond: config.CLOCK_GAME_MINUTES_PER_SECOND,
      daysPerSeason: config.CLOCK_DAYS_PER_SEASON,
    });
    const announce = async (change: PhaseChange, cause: 'clock' | 'operator'): Promise<string> => {
      const { id } = await publisher.publish('time.changed', { ...change, cause });
      return id;
    };
    // Failures are logged and counted by the publisher's own events; a tick never crashes the clock.
    const announceQuietly = (change: PhaseChange, cause: 'clock' | 'operator') => void announce(change, cause).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    return {
      routes: timeRoutes(clock, (change) => announce(change, 'operator')),
      start() {
        const now = clock.snapshot();
        announceQuietly({ phase: now.phase, previousPhase: null, day: now.day, minuteOfDay: now.minuteOfDay, season: now.season }, 'clock');
        let last = performance.now();
        timer = setInterval(() => {
          const elapsed = performance.now() - last;
          last += elapsed;
          for (const change of clock.advance(elapsed)) announceQuietly(change, 'clock');
        }, config.CLOCK_TICK_MS);
      },
      stop() {
        clearInterval(timer);
      },
    };
  },
});
