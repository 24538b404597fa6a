// Type tests (checked by tsc): contract types.
import { describe, expectTypeOf, it } from 'vitest';
import { testEvents, type TestEvents } from '../../test/testEvents';
import { Publisher } from '../transport/publisher/Publisher';
import type { Subscriber } from '../transport/subscriber/Subscriber';
import type { EventData, EventInput, EventTypeName } from './catalog';
import type { EventEnvelope } from './envelope';
import type { GameEvents } from './gameEvents';

// These are checked by `tsc` (the typecheck target): a `@ts-expect-error` that is no longer an
// error fails the build, so the contract's types cannot loosen unnoticed.
describe('contract types', () => {
  it('names the types of a catalog', () => {
    expectTypeOf<EventTypeName<GameEvents>>().toEqualTypeOf<'weather.changed' | 'time.changed' | 'item.granted' | 'item.spent'>();
  });

  it('derives payloads from the schemas, per version', () => {
    expectTypeOf<EventData<TestEvents, 'score.changed'>>().toEqualTypeOf<{ playerId: string; points: number; bonus: boolean }>();
    expectTypeOf<EventData<TestEvents, 'score.changed', 1>>().toEqualTypeOf<{ player: string; points: number }>();
    expectTypeOf<EventInput<GameEvents, 'time.changed'>['phase']>().toEqualTypeOf<'dawn' | 'day' | 'dusk' | 'night'>();
  });

  it('refuses a wrong shape at compile time', () => {
    const publisher = new Publisher({ catalog: testEvents, source: 'scorer', transport: { mode: 'log-only' } });
    const check = () => {
      // @ts-expect-error points must be a number
      void publisher.publish('score.changed', { playerId: 'a', points: '3', bonus: false });
      // @ts-expect-error bonus is missing
      void publisher.publish('score.changed', { playerId: 'a', points: 3 });
      // @ts-expect-error no such type
      void publisher.publish('score.gone', {});
      // @ts-expect-error version 1 has `player`, not `playerId`
      void publisher.publishVersion('score.changed', 1, { playerId: 'a', points: 3 });
      // @ts-expect-error version 7 does not exist
      void publisher.publishVersion('score.changed', 7, { player: 'a', points: 3 });
      void publisher.publishVersion('score.changed', 1, { player: 'a', points: 3 });
    };
    expectTypeOf(check).toBeFunction();
  });

  it('types the handler by the type and version it subscribes to', () => {
    const subscribe = (subscriber: Subscriber<TestEvents>) => {
      subscriber.subscribe('score.changed', (event) => {
        expectTypeOf(event).toEqualTypeOf<EventEnvelope<'score.changed', { playerId: string; points: number; bonus: boolean }>>();
      });
      subscriber.subscribe('score.changed', (event) => {
        expectTypeOf(event.data).toEqualTypeOf<{ player: string; points: number }>();
      }, { version: 1 });
      // @ts-expect-error version 3 does not exist
      subscriber.subscribe('score.changed', () => undefined, { version: 3 });
      subscriber.subscribe('match.ended', (event) => {
        // @ts-expect-error match.ended has no points
        void event.data.points;
      });
    };
    expectTypeOf(subscribe).toBeFunction();
  });
});
