// The weather chain's transition probabilities, by condition, adjusted for the phase of the day and
// the season.
import type { DayPhase, Season, WeatherCondition } from '@game-mesh/events';

export const CONDITIONS: readonly WeatherCondition[] = ['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog'];
type Row = Readonly<Record<WeatherCondition, number>>;

/** Base Markov chain: from each condition, the weight of each next one. */
const BASE: Readonly<Record<WeatherCondition, Row>> = {
  clear: { clear: 6, cloudy: 3, rain: 0.5, storm: 0.1, snow: 0.2, fog: 0.5 },
  cloudy: { clear: 3, cloudy: 4, rain: 2, storm: 0.5, snow: 0.5, fog: 1 },
  rain: { clear: 1, cloudy: 3, rain: 4, storm: 1.5, snow: 0.3, fog: 0.5 },
  storm: { clear: 0.5, cloudy: 2, rain: 3, storm: 2.5, snow: 0.3, fog: 0.2 },
  snow: { clear: 1, cloudy: 2, rain: 0.5, storm: 0.5, snow: 4, fog: 1 },
  fog: { clear: 3, cloudy: 2, rain: 1, storm: 0.1, snow: 0.3, fog: 3 },
};

/** How the season scales the weight of arriving in each condition. */
const SEASON: Readonly<Record<Season, Row>> = {
  spring: { clear: 1, cloudy: 1, rain: 1.5, storm: 1, snow: 0.2, fog: 1 },
  summer: { clear: 1.5, cloudy: 0.8, rain: 0.7, storm: 1.8, snow: 0, fog: 0.4 },
  autumn: { clear: 0.8, cloudy: 1.3, rain: 1.5, storm: 1, snow: 0.4, fog: 1.8 },
  winter: { clear: 0.9, cloudy: 1.2, rain: 0.4, storm: 0.5, snow: 3, fog: 1.2 },
};

/** How the time of day scales it: fog at dawn, storms in the afternoon heat, clear nights. */
const PHASE: Readonly<Record<DayPhase, Row>> = {
  dawn: { clear: 0.8, cloudy: 1, rain: 1, storm: 0.5, snow: 1, fog: 3 },
  day: { clear: 1.2, cloudy: 1, rain: 1, storm: 1.5, snow: 1, fog: 0.4 },
  dusk: { clear: 1, cloudy: 1.2, rain: 1, storm: 1, snow: 1, fog: 1.5 },
  night: { clear: 1.5, cloudy: 0.8, rain: 0.9, storm: 0.7, snow: 1.1, fog: 1.2 },
};

/** Probabilities of the next condition (they sum to 1), given where the weather is and when. */
export function transitionProbabilities(from: WeatherCondition, season: Season, phase: DayPhase): Record<WeatherCondition, number> {
  const weights = CONDITIONS.map((to) => BASE[from][to] * SEASON[season][to] * PHASE[phase][to]);
  const total = weights.reduce((a, b) => a + b, 0);
  return Object.fromEntries(CONDITIONS.map((to, i) => [to, (weights[i] ?? 0) / total])) as Record<WeatherCondition, number>;
}

/** Typical temperature by season and phase, in °C. */
export function typicalTemperature(season: Season, phase: DayPhase): number {
  const bySeason: Record<Season, number> = { spring: 12, summer: 24, autumn: 10, winter: -2 };
  const byPhase: Record<DayPhase, number> = { dawn: -3, day: 4, dusk: 0, night: -5 };
  return bySeason[season] + byPhase[phase];
}
