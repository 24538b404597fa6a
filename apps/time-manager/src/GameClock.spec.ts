// Tests: phases and seasons.
import { describe, expect, it } from 'vitest';
import { GameClock, phaseAt, seasonOf } from './GameClock';

describe('phases and seasons', () => {
  it.each([
    [0, 'night'],
    [299, 'night'],
    [300, 'dawn'],
    [419, 'dawn'],
    [420, 'day'],
    [1079, 'day'],
    [1080, 'dusk'],
    [1200, 'night'],
    [1439, 'night'],
  ])('minute %i is %s', (minute, phase) => {
    expect(phaseAt(minute)).toBe(phase);
  });

  it('turns seasons every daysPerSeason days, and wraps the year', () => {
    expect([1, 3, 4, 7, 10, 13].map((day) => seasonOf(day, 3))).toEqual(['spring', 'spring', 'summer', 'autumn', 'winter', 'spring']);
  });
});

describe('GameClock', () => {
  const clock = (minuteOfDay = 390, gameMinutesPerSecond = 10) => new GameClock({ day: 1, minuteOfDay, gameMinutesPerSecond, daysPerSeason: 3 });

  it('advances by the scale: 3 s at 10 game minutes per second is 30 minutes', () => {
    const c = clock(390);
    expect(c.advance(3_000)).toEqual([{ phase: 'day', previousPhase: 'dawn', day: 1, minuteOfDay: 420, season: 'spring' }]);
    expect(c.snapshot()).toMatchObject({ minuteOfDay: 420, clock: '07:00', phase: 'day' });
  });

  it('reports every phase crossed in one long step, and counts days', () => {
    const c = clock(1_190);
    const changes = c.advance(((1_440 - 1_190) + 300 + 1) * 100); // to 05:01 the next day
    expect(changes.map((ch) => [ch.previousPhase, ch.phase, ch.day])).toEqual([
      ['dusk', 'night', 1],
      ['night', 'dawn', 2],
    ]);
  });

  it('accumulates fractions of a game minute across small ticks', () => {
    const c = clock(419, 1);
    for (let i = 0; i < 9; i += 1) expect(c.advance(100)).toEqual([]);
    expect(c.advance(100)).toHaveLength(1);
  });

  it('does not move while paused', () => {
    const c = clock(390);
    c.setPaused(true);
    expect(c.advance(60_000)).toEqual([]);
    expect(c.snapshot()).toMatchObject({ minuteOfDay: 390, paused: true });
  });

  it('sets the time and reports the phase it lands in', () => {
    const c = clock(390);
    expect(c.set({ day: 5, minuteOfDay: 1_300 })).toEqual({ phase: 'night', previousPhase: 'dawn', day: 5, minuteOfDay: 1_300, season: 'summer' });
  });
});
