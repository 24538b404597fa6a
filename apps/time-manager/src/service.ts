import { gameEvents, Publisher, type GameEvents } from '@game-mesh/events';
import type { ServiceDefinition } from '@game-mesh/service-runtime';
import { timeManagerEnv, REQUIRED_WITH_BROKER, type TimeManagerConfig } from './config';
import { SERVICE_NAME, TOPIC } from './declared';
import { GameClock, type PhaseChange } from './GameClock';
import { timeRoutes } from './routes';

/** The game clock: advances on a timer, publishes time.changed on every phase change. */
export const timeManager: ServiceDefinition<TimeManagerConfig, GameEvents> = {
  name: SERVICE_NAME,
  envSchema: timeManagerEnv,
  requiredWithBroker: REQUIRED_WITH_BROKER,
  build({ config, logger, clients }) {
    const publisher = new Publisher({
      catalog: gameEvents,
      source: SERVICE_NAME,
      logger,
      transport: clients && config.EVENTS_TOPIC_ARN ? { mode: 'sns', sns: clients.sns, topicArns: { [TOPIC]: config.EVENTS_TOPIC_ARN } } : { mode: 'log-only' },
    });
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
      publisher,
      topicArn: config.EVENTS_TOPIC_ARN,
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
};
