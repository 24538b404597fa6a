// Tests: WeatherSimulation.
import { describe, expect, it } from 'vitest';
import { transitionProbabilities } from './transitions';
import { WeatherSimulation } from './WeatherSimulation';

const run = (seed: number, steps: number) => {
  const simulation = new WeatherSimulation(seed);
  return Array.from({ length: steps }, () => simulation.step());
};

describe('WeatherSimulation', () => {
  it('is deterministic for a seed', () => {
    expect(run(7, 50)).toEqual(run(7, 50));
    expect(run(7, 50)).not.toEqual(run(8, 50));
  });

  it('reports previous and current state on every change, within the contract ranges', () => {
    const simulation = new WeatherSimulation(1);
    let previous = simulation.current;
    for (let i = 0; i < 500; i += 1) {
      const change = simulation.step();
      if (!change) continue;
      expect(change.previous).toEqual(previous);
      expect(change.current.intensity).toBeGreaterThanOrEqual(0);
      expect(change.current.intensity).toBeLessThanOrEqual(1);
      previous = change.current;
    }
  });

  it('takes its transition probabilities from season and phase', () => {
    const simulation = new WeatherSimulation(3);
    simulation.setTime('day', 'summer');
    const summerDay = simulation.transitions();
    simulation.setTime('dawn', 'autumn');
    const autumnDawn = simulation.transitions();
    expect(autumnDawn.fog).toBeGreaterThan(summerDay.fog * 3);
    expect(summerDay.snow).toBe(0);
    const total = Object.values(autumnDawn).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 10);
  });

  it('brings snow in winter and none in summer, over many steps', () => {
    const count = (season: 'winter' | 'summer') => {
      const simulation = new WeatherSimulation(11);
      simulation.setTime('night', season);
      let snow = 0;
      for (let i = 0; i < 2_000; i += 1) if (simulation.step()?.current.condition === 'snow') snow += 1;
      return snow;
    };
    expect(count('summer')).toBe(0);
    expect(count('winter')).toBeGreaterThan(100);
  });

  it('keeps every row of the chain a probability distribution', () => {
    for (const from of ['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog'] as const) {
      const row = transitionProbabilities(from, 'spring', 'night');
      expect(Object.values(row).every((p) => p >= 0 && p <= 1)).toBe(true);
    }
  });
});
