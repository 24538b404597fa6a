// The weather simulation: a seeded Markov chain whose probabilities follow the phase of the day and
// the season.
import type { DayPhase, Season, WeatherCondition, WeatherState } from '@game-mesh/events';
import { seededRandom } from './random';
import { CONDITIONS, transitionProbabilities, typicalTemperature } from './transitions';

export interface WeatherChange {
  previous: WeatherState;
  current: WeatherState;
}

/** Intensities each condition tends to: storms and snow run strong, fog and clear skies mild. */
const TYPICAL_INTENSITY: Readonly<Record<WeatherCondition, number>> = { clear: 0.1, cloudy: 0.35, rain: 0.55, storm: 0.85, snow: 0.7, fog: 0.45 };

/**
 * The weather as a Markov chain whose transition probabilities depend on season and phase (which
 * the service learns from time.changed). Deterministic for a given seed and sequence of calls.
 */
export class WeatherSimulation {
  private state: WeatherState;
  private season: Season = 'spring';
  private phase: DayPhase = 'day';
  private readonly random: () => number;

  constructor(seed: number, initial: WeatherState = { condition: 'clear', intensity: 0.1, temperatureCelsius: 15 }) {
    this.random = seededRandom(seed);
    this.state = initial;
  }

  get current(): WeatherState {
    return this.state;
  }

  get context(): { season: Season; phase: DayPhase } {
    return { season: this.season, phase: this.phase };
  }

  /** The transition probabilities in force now, from the current condition. */
  transitions(): Record<WeatherCondition, number> {
    return transitionProbabilities(this.state.condition, this.season, this.phase);
  }

  setTime(phase: DayPhase, season: Season): void {
    this.phase = phase;
    this.season = season;
  }

  /** One step of the chain; returns the change, or undefined when nothing noticeable changed. */
  step(): WeatherChange | undefined {
    const condition = this.pick(this.transitions());
    const target = TYPICAL_INTENSITY[condition];
    const base = condition === this.state.condition ? this.state.intensity : target;
    const intensity = round(clamp(base + (target - base) * 0.3 + (this.random() - 0.5) * 0.3, 0, 1), 2);
    const drift = (typicalTemperature(this.season, this.phase) - this.state.temperatureCelsius) * 0.25;
    const temperatureCelsius = round(clamp(this.state.temperatureCelsius + drift + (this.random() - 0.5) * 2, -90, 60), 1);
    const next: WeatherState = { condition, intensity, temperatureCelsius };
    const noticeable = condition !== this.state.condition || Math.abs(intensity - this.state.intensity) >= 0.05 || Math.abs(temperatureCelsius - this.state.temperatureCelsius) >= 0.5;
    return noticeable ? this.set(next) : undefined;
  }

  /** Replaces the state (operator override, or a step); returns the change. */
  set(next: WeatherState): WeatherChange {
    const previous = this.state;
    this.state = next;
    return { previous, current: next };
  }

  private pick(probabilities: Record<WeatherCondition, number>): WeatherCondition {
    let roll = this.random();
    for (const condition of CONDITIONS) {
      roll -= probabilities[condition];
      if (roll < 0) return condition;
    }
    return this.state.condition;
  }
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
