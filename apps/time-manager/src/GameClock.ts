// The game clock: minutes, phases of the day, days and seasons, advanced by real time.
import type { DayPhase, Season } from '@game-mesh/events';

export const MINUTES_PER_DAY = 1_440;
const SEASONS: readonly Season[] = ['spring', 'summer', 'autumn', 'winter'];

/** Phase boundaries in minutes since midnight: dawn 05:00, day 07:00, dusk 18:00, night 20:00. */
export const PHASE_STARTS: readonly { phase: DayPhase; minute: number }[] = [
  { phase: 'dawn', minute: 300 },
  { phase: 'day', minute: 420 },
  { phase: 'dusk', minute: 1_080 },
  { phase: 'night', minute: 1_200 },
];

export function phaseAt(minuteOfDay: number): DayPhase {
  let phase: DayPhase = 'night';
  for (const start of PHASE_STARTS) if (minuteOfDay >= start.minute) phase = start.phase;
  return phase;
}

export function seasonOf(day: number, daysPerSeason: number): Season {
  return SEASONS[Math.floor((day - 1) / daysPerSeason) % SEASONS.length] ?? 'spring';
}

export interface ClockSettings {
  day: number;
  minuteOfDay: number;
  /** Game minutes per real second. */
  gameMinutesPerSecond: number;
  daysPerSeason: number;
  paused?: boolean;
}

export interface ClockSnapshot {
  day: number;
  minuteOfDay: number;
  clock: string;
  phase: DayPhase;
  season: Season;
  gameMinutesPerSecond: number;
  paused: boolean;
}

export interface PhaseChange {
  phase: DayPhase;
  previousPhase: DayPhase | null;
  day: number;
  minuteOfDay: number;
  season: Season;
}

/** The game clock: pure, driven by `advance(realMs)`, so tests need no timers. */
export class GameClock {
  private day: number;
  private minute: number; // fractional game minutes since midnight
  private scale: number;
  private paused: boolean;
  private readonly daysPerSeason: number;

  constructor(settings: ClockSettings) {
    this.day = settings.day;
    this.minute = settings.minuteOfDay;
    this.scale = settings.gameMinutesPerSecond;
    this.paused = settings.paused ?? false;
    this.daysPerSeason = settings.daysPerSeason;
  }

  snapshot(): ClockSnapshot {
    const minuteOfDay = Math.floor(this.minute);
    const hours = String(Math.floor(minuteOfDay / 60)).padStart(2, '0');
    const minutes = String(minuteOfDay % 60).padStart(2, '0');
    return { day: this.day, minuteOfDay, clock: `${hours}:${minutes}`, phase: phaseAt(minuteOfDay), season: seasonOf(this.day, this.daysPerSeason), gameMinutesPerSecond: this.scale, paused: this.paused };
  }

  /** Moves time on by `realMs` of real time; returns every phase boundary crossed, in order. */
  advance(realMs: number): PhaseChange[] {
    if (this.paused || realMs <= 0) return [];
    let remaining = (realMs / 1000) * this.scale;
    const changes: PhaseChange[] = [];
    while (remaining > 0) {
      const previous = phaseAt(Math.floor(this.minute));
      const boundary = this.nextBoundary();
      const step = Math.min(remaining, boundary - this.minute);
      this.minute += step;
      remaining -= step;
      if (this.minute >= MINUTES_PER_DAY) {
        this.minute -= MINUTES_PER_DAY;
        this.day += 1;
      }
      const current = this.snapshot();
      if (current.phase !== previous) changes.push({ phase: current.phase, previousPhase: previous, day: current.day, minuteOfDay: current.minuteOfDay, season: current.season });
    }
    return changes;
  }

  /** Sets the clock (operator); always reports the resulting phase. */
  set(to: { day?: number | undefined; minuteOfDay?: number | undefined }): PhaseChange {
    const previous = this.snapshot().phase;
    if (to.day !== undefined) this.day = to.day;
    if (to.minuteOfDay !== undefined) this.minute = to.minuteOfDay;
    const current = this.snapshot();
    return { phase: current.phase, previousPhase: previous, day: current.day, minuteOfDay: current.minuteOfDay, season: current.season };
  }

  setScale(gameMinutesPerSecond: number): void {
    this.scale = gameMinutesPerSecond;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  private nextBoundary(): number {
    const next = PHASE_STARTS.find((start) => start.minute > this.minute);
    return next?.minute ?? MINUTES_PER_DAY;
  }
}
