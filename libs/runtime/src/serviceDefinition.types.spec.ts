// Type tests (checked by tsc): defineService.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineService } from './serviceDefinition';
import { buildSubscribers } from './wiring';

const declaration = parseServiceDeclaration(
  {
    name: 'listener',
    description: 'Two queues, three subscriptions.',
    port: 3999,
    consumes: { main: { subscriptions: [{ type: 'weather.changed' }, { type: 'time.changed' }] }, severe: { subscriptions: [{ type: 'weather.changed' }] } },
  },
  'test',
);
// What `npm run services` generates for that declaration (src/declared.ts).
const declared = {
  catalog: gameEvents,
  declaration,
  publishes: [],
  readers: {
    main: { 'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }), 'time.changed': gameEvents['time.changed'].versions[1].schema },
    severe: { 'weather.changed': gameEvents['weather.changed'].versions[1].schema.pick({ current: true }) },
  },
} as const;
const routes = () => undefined;
const ignore = () => undefined;

// Checked by `tsc` (the typecheck target): a `@ts-expect-error` that is no longer an error fails
// the build, so a handler map that disagrees with the declaration cannot compile.
describe('defineService', () => {
  it('types each handler by the fields its declaration reads', () => {
    defineService({
      declared,
      build: () => ({
        handlers: {
          main: {
            'weather.changed': (event) => {
              expectTypeOf(event.data).toEqualTypeOf<{ current: { condition: 'clear' | 'cloudy' | 'rain' | 'storm' | 'snow' | 'fog'; intensity: number; temperatureCelsius: number } }>();
            },
            'time.changed': (event) => {
              expectTypeOf(event.type).toEqualTypeOf<'time.changed'>();
            },
          },
          severe: { 'weather.changed': ignore },
        },
        routes,
      }),
    });
  });

  it('does not compile with a declared subscription left without a handler', () => {
    defineService({
      declared,
      build: () => ({
        // @ts-expect-error main lacks its time.changed handler
        handlers: { main: { 'weather.changed': ignore }, severe: { 'weather.changed': ignore } },
        routes,
      }),
    });
    // @ts-expect-error no handlers at all, for a service that consumes
    defineService({ declared, build: () => ({ routes }) });
  });

  it('does not compile with a handler for a type or a queue the declaration lacks', () => {
    defineService({
      declared,
      // @ts-expect-error severe does not consume time.changed
      build() {
        const handlers = { main: { 'weather.changed': ignore, 'time.changed': ignore }, severe: { 'weather.changed': ignore, 'time.changed': ignore } };
        return { handlers, routes };
      },
    });
    defineService({
      declared,
      // @ts-expect-error there is no "other" queue
      build: () => ({ handlers: { main: { 'weather.changed': ignore, 'time.changed': ignore }, severe: { 'weather.changed': ignore }, other: {} }, routes }),
    });
  });

  it('refuses, at start, a handler map that a cast hid from the compiler', () => {
    const handlers = { main: { 'weather.changed': ignore }, severe: { 'weather.changed': ignore, 'time.changed': ignore } };
    expect(() => buildSubscribers(declared, handlers, { SHUTDOWN_TIMEOUT_MS: 1_000 }, undefined, console)).toThrow(
      'listener: its handlers disagree with its declaration:\n- no handler for main/time.changed, which apps/listener/service.json declares\n- a handler for severe/time.changed, which apps/listener/service.json does not declare',
    );
  });
});
