import { describe, expect, it } from 'vitest';
import { WorldProjection } from './WorldProjection';

const weather = (id: string, time: string, intensity: number) => ({
  specversion: '1.0' as const,
  id,
  type: 'weather.changed' as const,
  version: 1,
  source: 'weather-manager',
  time,
  correlationId: id,
  data: { current: { condition: 'storm' as const, intensity, temperatureCelsius: 10 } },
});

describe('WorldProjection', () => {
  it('applies an event once, however often it arrives', () => {
    const projection = new WorldProjection();
    expect(projection.applyWeather(weather('a', '2026-01-01T00:00:01Z', 0.5), 'main')).toBe(true);
    expect(projection.applyWeather(weather('a', '2026-01-01T00:00:01Z', 0.5), 'main')).toBe(false);
    expect(projection.snapshot().eventsApplied).toBe(1);
    expect(projection.recentEvents()).toHaveLength(1);
  });

  it('does not roll the weather back when an older event arrives late', () => {
    const projection = new WorldProjection();
    projection.applyWeather(weather('new', '2026-01-01T00:00:02Z', 0.7), 'main');
    projection.applyWeather(weather('old', '2026-01-01T00:00:01Z', 0.2), 'main');
    expect(projection.snapshot().weather?.intensity).toBe(0.7);
    expect(projection.snapshot().eventsApplied).toBe(2);
  });

  it('counts severe alerts from its own queue separately from the main stream', () => {
    const projection = new WorldProjection();
    projection.applyWeather(weather('s', '2026-01-01T00:00:01Z', 0.9), 'main');
    projection.applySevere(weather('s', '2026-01-01T00:00:01Z', 0.9), 'severe');
    projection.applySevere(weather('s', '2026-01-01T00:00:01Z', 0.9), 'severe');
    expect(projection.snapshot()).toMatchObject({ severeAlerts: 1, lastSevere: { intensity: 0.9 } });
  });

  it('keeps a bounded list of recent events, newest first, and tells listeners', () => {
    const projection = new WorldProjection({ recent: 3, remembered: 100 });
    const seen: string[] = [];
    projection.onRecorded((e) => seen.push(e.id));
    for (const id of ['1', '2', '3', '4']) projection.applyWeather(weather(id, `2026-01-01T00:00:0${id}Z`, 0.1), 'main');
    expect(projection.recentEvents().map((e) => e.id)).toEqual(['4', '3', '2']);
    expect(seen).toEqual(['1', '2', '3', '4']);
  });
});
