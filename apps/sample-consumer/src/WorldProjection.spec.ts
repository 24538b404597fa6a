// Tests: WorldProjection.
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

  it('compares times as instants, not strings: an offset time is placed where it belongs', () => {
    const projection = new WorldProjection();
    // 12:00+02:00 is 10:00Z: older than 10:30Z, though it sorts after it as text.
    projection.applyWeather(weather('later', '2026-01-01T10:30:00Z', 0.7), 'main');
    projection.applyWeather(weather('earlier', '2026-01-01T12:00:00+02:00', 0.2), 'main');
    expect(projection.snapshot().weather?.intensity).toBe(0.7);
  });

  it('does not freeze when its producer\'s clock ran an hour fast: the producer\'s sequence orders, not its clock', () => {
    const projection = new WorldProjection();
    const producer = '0b9f2a8e-3c1d-4e5f-8a7b-6c5d4e3f2a1b';
    const sequenced = (id: string, time: string, intensity: number, sequence: number) => ({ ...weather(id, time, intensity), producerInstance: producer, sequence });
    projection.applyWeather(sequenced('fast', '2026-01-01T01:00:00Z', 0.9, 1), 'main'); // the clock an hour ahead
    projection.applyWeather(sequenced('fixed', '2026-01-01T00:00:05Z', 0.3, 2), 'main'); // corrected: earlier by the clock, later in fact
    expect(projection.snapshot().weather?.intensity).toBe(0.3);
    projection.applyWeather(sequenced('late', '2026-01-01T00:00:04Z', 0.5, 1), 'main'); // a late copy of an earlier one
    expect(projection.snapshot().weather?.intensity).toBe(0.3);
    // A restarted producer (a new instance) moves it on whatever its clock says.
    projection.applyWeather({ ...weather('restarted', '2026-01-01T00:00:01Z', 0.6), producerInstance: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', sequence: 1 }, 'main');
    expect(projection.snapshot().weather?.intensity).toBe(0.6);
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

  describe('inventories', () => {
    const item = (type: 'item.granted' | 'item.spent', sequence: number, quantity: number, playerId = 'ada') => ({
      specversion: '1.0' as const,
      id: `${type}-${sequence}`,
      type,
      version: 1,
      source: 'inventory',
      time: '2026-01-01T00:00:00Z',
      correlationId: 'c',
      producerInstance: 'i1',
      sequence,
      data: { playerId, item: 'gold', quantity },
    });

    it('keeps each player\'s items, granted and spent', () => {
      const projection = new WorldProjection();
      expect(projection.applyItem(item('item.granted', 1, 50), 'inventory')).toBeUndefined();
      expect(projection.applyItem(item('item.spent', 2, 20), 'inventory')).toBeUndefined();
      expect(projection.applyItem(item('item.granted', 3, 7, 'bo'), 'inventory')).toBeUndefined();
      expect(projection.snapshot()).toMatchObject({ balances: { ada: { gold: 30 }, bo: { gold: 7 } }, inventoryErrors: [] });
    });

    it('shows a change that arrives after a later one, and a count below zero, as errors', () => {
      const projection = new WorldProjection();
      projection.applyItem(item('item.granted', 1, 10), 'inventory');
      projection.applyItem(item('item.spent', 3, 5), 'inventory');
      expect(projection.applyItem(item('item.granted', 2, 4), 'inventory')).toMatch(/ada: item.granted item.granted-2 \(sequence 2\) arrived after a later change/);
      expect(projection.applyItem(item('item.spent', 4, 9), 'inventory')).toMatch(/ada: gold went below zero \(-4\)/);
      expect(projection.snapshot().inventoryErrors).toHaveLength(2);
    });
  });
});
