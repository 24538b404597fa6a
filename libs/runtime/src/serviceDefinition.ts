// What an app writes: its own settings and a build() that returns its handlers (keyed by queue and
// event type, as its service.json declares them) and its HTTP routes. The runtime wires the rest.
import type { BatchContext, BatchResult, Catalog, EventEnvelope, HandlerContext, Publisher, ServiceDeclaration, SubscriberOptions } from '@game-mesh/events';
import type { Express } from 'express';
import type { z } from 'zod';
import type { baseEnvSchema } from './config';
import type { EventStreams } from './EventStreams';
import type { ServiceLogger } from './logger';
import type { QueueDepth } from './queueStats';
import type { ReadinessCheck } from './http';

/** Reader schemas by queue key, then by event type: what `declared.ts` generates from service.json. */
export type Readers = { readonly [queue: string]: { readonly [type: string]: z.ZodType } };

/** A service as its service.json declares it, made typed code by `npm run services` (`src/declared.ts`). */
export interface Declared<C extends Catalog, R extends Readers, P extends readonly string[] = readonly string[]> {
  catalog: C;
  declaration: ServiceDeclaration;
  /** The types it publishes (the declaration's `publishes`, as a type). */
  publishes: P;
  readers: R;
}

/** An event of type `T` on a queue whose readers are `Q`: the fields the declaration says it reads. */
type ReadEvent<Q, T extends keyof Q & string> = EventEnvelope<T, Q[T] extends z.ZodType ? z.output<Q[T]> : never>;

/**
 * A batch handler in a service's handler map, `{ inBatches: async (events, context) => … }`: the
 * type's events a receive at a time (`Subscriber.subscribeBatch`), for a handler that writes many at
 * once (one database round trip per batch). It returns the events that failed,
 * `{ failures: [{ id, error }] }`; they are retried alone. Standard queues only.
 */
export interface InBatches<E> {
  readonly inBatches: (events: readonly E[], context: BatchContext) => BatchResult | Promise<BatchResult>;
}

/** The handler of one event type on one queue: it gets the fields the declaration says it reads. */
export type HandlerOf<Q, T extends keyof Q & string> = (event: ReadEvent<Q, T>, context: HandlerContext) => void | Promise<void>;

/** One handler per declared (queue, type): the compiler names each one missing. */
export type Handlers<R> = { [K in keyof R]: { [T in keyof R[K] & string]: HandlerOf<R[K], T> } };

/** What `build()` may return for each declared (queue, type): a handler, or `{ inBatches }`. */
export type HandlerMap<R> = { [K in keyof R]: { [T in keyof R[K] & string]: HandlerOf<R[K], T> | InBatches<ReadEvent<R[K], T>> } };

/** `H` with every queue or type the declaration lacks turned into `never`: the compiler names each extra one. */
type OnlyDeclared<H, R> = { [K in keyof H]: K extends keyof R ? { [T in keyof H[K]]: T extends keyof R[K] ? H[K][T] : never } : never };

/** The subscriber options a service may set for its queues. */
export type ConsumeOptions = Partial<Pick<SubscriberOptions<Catalog>, 'concurrency' | 'handlerTimeoutMs' | 'starvedAfterMs'>>;

/** Everything the environment gives every service, plus the app's own settings. */
export type ServiceConfig<S extends z.ZodRawShape> = z.output<ReturnType<typeof baseEnvSchema>> & z.output<z.ZodObject<S>>;

export interface ServiceContext<C extends Catalog, S extends z.ZodRawShape, P extends readonly string[] = readonly string[]> {
  config: ServiceConfig<S>;
  logger: ServiceLogger;
  /** Sends to the service's topic, or only logs in log-only mode; there when it declares `publishes`. */
  publisher: P extends readonly [] ? undefined : Publisher<C>;
  /** Open server-sent event streams: capped, and closed first on shutdown. */
  streams: EventStreams;
  /** Depth of each of its queues and dead-letter queues (`main`, `main-dlq`, …); empty without a broker. */
  queueDepths: () => Promise<Record<string, QueueDepth>>;
}

/** What an app builds from its context. */
export interface ServiceParts<H> {
  /** By queue key, then by event type, exactly as service.json declares them. */
  handlers?: H;
  routes: (app: Express) => void;
  /** Extra readiness checks. */
  readiness?: readonly ReadinessCheck[];
  /** Started after the subscribers, stopped first on shutdown (timers, simulations). */
  start?: () => void;
  stop?: () => void;
}

export interface ServiceDefinition<C extends Catalog, R extends Readers, S extends z.ZodRawShape, H, P extends readonly string[] = readonly string[]> {
  declared: Declared<C, R, P>;
  /** Its own environment variables, beyond the base and broker ones every service reads. */
  settings?: S;
  /** How its subscribers handle: `concurrency`, `handlerTimeoutMs`, `starvedAfterMs` (the Subscriber's options, for every queue). */
  consume?: ConsumeOptions;
  /** A method, so that any service's definition is an {@link AnyServiceDefinition}. */
  build(context: ServiceContext<C, S, P>): ServiceParts<H>;
}

/** Any service definition, for code that runs one without knowing its types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the handler map's type varies per app
export type AnyServiceDefinition = ServiceDefinition<Catalog, Readers, z.ZodRawShape, any, any>;

/**
 * Declares a service. Its handlers are checked against `declared` at compile time: a declared
 * subscription without a handler, or a handler for a queue or type the declaration lacks, does not
 * typecheck. Edit service.json, run `npm run services`, and the compiler lists what to add.
 */
export function defineService<C extends Catalog, const R extends Readers, const P extends readonly string[], S extends z.ZodRawShape = Record<never, never>, H extends HandlerMap<R> = HandlerMap<R>>(
  definition: ServiceDefinition<C, R, S, H & OnlyDeclared<H, R>, P> & (keyof R extends never ? unknown : { build: (context: ServiceContext<C, S, P>) => { handlers: H } }),
): ServiceDefinition<C, R, S, H, P> {
  return definition;
}
