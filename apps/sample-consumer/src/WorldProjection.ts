// The world as sample-consumer sees it from events: weather, time, severe alerts and the recent
// events, ordered by each producer's sequence.
import type { DayPhase, EventEnvelope, Season, WeatherState } from '@game-mesh/events';

export interface RecordedEvent {
  id: string;
  type: string;
  queue: string;
  source: string;
  time: string;
  correlationId: string;
  /** The event that caused this one (published while handling it), when there is one. */
  causationId?: string;
  handledAt: string;
  /** From the event's time (publish) to its handling here. */
  latencyMs: number;
  summary: string;
}

export interface WorldState {
  weather: (WeatherState & { since: string }) | null;
  time: { phase: DayPhase; day: number; minuteOfDay: number; season: Season; since: string } | null;
  severeAlerts: number;
  lastSevere: (WeatherState & { at: string }) | null;
  eventsApplied: number;
  /** Item counts by player, from item.granted and item.spent (in order per player: a FIFO queue). */
  balances: Record<string, Record<string, number>>;
  /** What must never happen, as it happened: a count below zero, a player's changes out of order. */
  inventoryErrors: string[];
}

/** What an inventory change reads: the fields its declaration lists. */
export type ItemChange = EventEnvelope<'item.granted' | 'item.spent', { playerId: string; item: string; quantity: number }>;

/** Where the latest applied event of one stream stands: by its producer's sequence, else by its time. */
interface Position {
  instance?: string | undefined;
  sequence?: number | undefined;
  time: string;
}

/**
 * Is `event` older than what `last` applied? By the producer's own sequence when both come from the
 * same producer process (a producer's clock may run fast: one event dated an hour ahead must not
 * hold back every real one after it); an event from another producer process (a restart) moves the
 * state on; events without a sequence (older producers) fall back to time, compared as instants.
 */
function isStale(last: Position | undefined, event: EventEnvelope): boolean {
  if (!last) return false;
  if (event.producerInstance !== undefined && event.sequence !== undefined && last.instance !== undefined && last.sequence !== undefined) {
    return event.producerInstance === last.instance && event.sequence <= last.sequence;
  }
  return Date.parse(last.time) > Date.parse(event.time);
}

const positionOf = (event: EventEnvelope): Position => ({ instance: event.producerInstance, sequence: event.sequence, time: event.time });

/**
 * The world as this consumer sees it. Applying an event is idempotent (an id applied once is
 * ignored after), and an event older than the state it would replace does not roll it back.
 */
export class WorldProjection {
  private readonly state: WorldState = { weather: null, time: null, severeAlerts: 0, lastSevere: null, eventsApplied: 0, balances: {}, inventoryErrors: [] };
  private readonly positions: { weather?: Position; time?: Position } = {};
  private readonly playerPositions = new Map<string, Position>();
  private readonly applied = new Set<string>();
  private readonly recent: RecordedEvent[] = [];
  private readonly listeners = new Set<(event: RecordedEvent) => void>();

  constructor(private readonly limits = { recent: 100, remembered: 10_000 }) {}

  snapshot(): WorldState {
    return structuredClone(this.state);
  }

  recentEvents(): RecordedEvent[] {
    return [...this.recent];
  }

  onRecorded(listener: (event: RecordedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  applyWeather(event: EventEnvelope<'weather.changed', { current: WeatherState }>, queue: string): boolean {
    return this.apply(event, queue, () => {
      if (isStale(this.positions.weather, event)) return;
      this.positions.weather = positionOf(event);
      this.state.weather = { ...event.data.current, since: event.time };
    }, `${event.data.current.condition} ${event.data.current.intensity} · ${event.data.current.temperatureCelsius} °C`);
  }

  applyTime(event: EventEnvelope<'time.changed', { phase: DayPhase; day: number; minuteOfDay: number; season: Season }>, queue: string): boolean {
    return this.apply(event, queue, () => {
      if (isStale(this.positions.time, event)) return;
      this.positions.time = positionOf(event);
      const { phase, day, minuteOfDay, season } = event.data;
      this.state.time = { phase, day, minuteOfDay, season, since: event.time };
    }, `${event.data.phase} · day ${event.data.day} · ${event.data.season}`);
  }

  applySevere(event: EventEnvelope<'weather.changed', { current: WeatherState }>, queue: string): boolean {
    return this.apply(event, queue, () => {
      this.state.severeAlerts += 1;
      this.state.lastSevere = { ...event.data.current, at: event.time };
    }, `SEVERE ${event.data.current.condition} ${event.data.current.intensity}`);
  }

  /**
   * A player's inventory change. The queue keeps each player's order, so a change older than the
   * last one applied (by the producer's sequence) or a count that would go below zero is an error:
   * shown on the projection and returned for the log, never applied silently.
   */
  applyItem(event: ItemChange, queue: string): string | undefined {
    let error: string | undefined;
    const { playerId, item, quantity } = event.data;
    const sign = event.type === 'item.granted' ? 1 : -1;
    this.apply(event, queue, () => {
      if (isStale(this.playerPositions.get(playerId), event)) {
        error = `${playerId}: ${event.type} ${event.id} (sequence ${event.sequence}) arrived after a later change`;
        return;
      }
      this.playerPositions.set(playerId, positionOf(event));
      const items = (this.state.balances[playerId] ??= {});
      items[item] = (items[item] ?? 0) + sign * quantity;
      if (items[item] < 0) error = `${playerId}: ${item} went below zero (${items[item]}) with ${event.id}`;
    }, `${playerId} ${sign > 0 ? '+' : '−'}${quantity} ${item}`);
    if (error !== undefined) this.state.inventoryErrors = [error, ...this.state.inventoryErrors].slice(0, 20);
    return error;
  }

  private apply(event: EventEnvelope, queue: string, change: () => void, summary: string): boolean {
    const key = `${queue}:${event.id}`;
    if (this.applied.has(key)) return false;
    this.applied.add(key);
    if (this.applied.size > this.limits.remembered) this.applied.delete(this.applied.values().next().value ?? key);
    change();
    this.state.eventsApplied += 1;
    const now = new Date();
    const recorded: RecordedEvent = {
      id: event.id,
      type: event.type,
      queue,
      source: event.source,
      time: event.time,
      correlationId: event.correlationId,
      ...(event.causationId === undefined ? {} : { causationId: event.causationId }),
      handledAt: now.toISOString(),
      latencyMs: Math.max(0, now.getTime() - Date.parse(event.time)),
      summary,
    };
    this.recent.unshift(recorded);
    this.recent.length = Math.min(this.recent.length, this.limits.recent);
    for (const listener of this.listeners) listener(recorded);
    return true;
  }
}
