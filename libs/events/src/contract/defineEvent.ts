// How one event type and its versions are declared: schema, examples, upcaster, filter attributes,
// compatibility mode.
import type { z } from 'zod';

/** A message attribute SNS filter policies can match on, computed from the event's data. */
export interface FilterAttributeDefinition<TData> {
  /** SNS/SQS data type of the attribute. `Number` enables numeric filter conditions. */
  dataType: 'Number' | 'String';
  description: string;
  select(data: TData): number | string;
  /**
   * A `Number` attribute's cut points: the only values a subscription's filter may compare it
   * with (`numeric` bounds, exact numbers, `anything-but` numbers), e.g. `[0.8]` for "severe is
   * >= 0.8". The topology refuses a filter on it at any other value. A high-volume type's events
   * then pack together when no cut point lies between their values (not only when the values are
   * equal), and every filter still decides the same for each event of a pack: fewer, fuller packs.
   * Ascending, at most 5 decimals, within ±1e9 (SNS's numeric filter range). Removing one from a
   * shipped high-volume type is refused by the contract gate (a deployed filter may cut there).
   */
  thresholds?: readonly number[];
}

/** One version of one event type. */
export interface EventVersionDefinition<TSchema extends z.ZodType = z.ZodType> {
  schema: TSchema;
  /**
   * Attributes published alongside the event for SNS filter policies (at most
   * {@link MAX_FILTER_ATTRIBUTES}: raw delivery passes only 10 attributes to SQS and the
   * transport uses the others).
   */
  filterAttributes?: Readonly<Record<string, FilterAttributeDefinition<z.output<TSchema>>>>;
  /**
   * Turns data of the previous version into input for this one, so a consumer that reads this
   * version can still read events published as the previous one.
   */
  upcastFromPrevious?: (previous: never) => z.input<TSchema>;
  /** Valid example payloads: documentation, fixtures for contract tests. At least one. */
  examples: readonly [z.input<TSchema>, ...z.input<TSchema>[]];
  /**
   * A change to this (shipped) version moves its readers with it: the consumers the same change
   * updates are judged by the contract gate with their new readers, not the deployed ones, and
   * deploy before the producer (the deploy plan orders consumers first; can-i-deploy refuses the
   * producer while a deployed consumer still runs a reader that cannot read it). Consumers the
   * change leaves alone are still judged as deployed. @defaultValue false
   */
  consumersDeployFirst?: boolean;
}

/** Every version of one event type, with who produces it and on which topic. */
export interface EventTypeDefinition<
  TVersions extends Readonly<Record<number, EventVersionDefinition>> = Readonly<Record<number, EventVersionDefinition>>,
  TCurrent extends number = number,
> {
  description: string;
  /** The service that publishes this type. Only it may publish it. */
  producer: string;
  /** Logical topic name (one per producer); the physical name gets the environment prefix. */
  topic: string;
  /** The version publishers emit by default. */
  current: TCurrent;
  versions: TVersions;
  /**
   * What a change to a shipped version must keep, as schema registries name it: BACKWARD (readers
   * of the changed schema read every event already published), FORWARD (every reader deployed now
   * reads the events the changed producer sends), FULL (both: producers and consumers deploy
   * independently). The contract gate enforces it. @defaultValue 'FULL'
   */
  compatibility?: CompatibilityMode;
  /**
   * Events of this type apply in order per value of a `data` field (e.g. `playerId`): the type's
   * topic becomes an SNS FIFO topic, each queue that reads it a FIFO queue with a FIFO DLQ, the
   * field's value is the message group, and the event id the deduplication id (a publish retried
   * within five minutes arrives once). Every type of one topic is ordered, or none is.
   */
  ordering?: { groupBy: string };
  /**
   * A high-volume type (game telemetry: positions, hits, matchmaking ticks): the publisher packs
   * its events many to one SNS message, up to `packBytes` (default 64 KiB, what SNS bills as one
   * request), while a request to the topic is in flight (a lone event still leaves at once, alone).
   * Events pack together only when their filter attribute values are equal (or, for a `Number`
   * attribute that declares `thresholds`, lie between the same cut points), so filter policies
   * stay exact per event. The subscriber unpacks them: each event has its own claim, handler call
   * (or batch slot), retry and DLQ entry with its reason. Not for ordered types. Part of the wire
   * format: the contract gate refuses switching it on or off for a shipped version.
   */
  highVolume?: boolean | { packBytes: number };
}

export type CompatibilityMode = 'BACKWARD' | 'FORWARD' | 'FULL';

/** Transport-reserved attribute names; filter attributes may not use them. */
export const RESERVED_ATTRIBUTE_NAMES = ['type', 'version', 'source', 'traceparent', 'deadLetterReason'] as const;
export const MAX_FILTER_ATTRIBUTES = 5;

/** Declares one version; infers the data type from `schema` for `select` and `examples`. */
export function defineEventVersion<TSchema extends z.ZodType>(
  definition: EventVersionDefinition<TSchema>,
): EventVersionDefinition<TSchema> {
  return definition;
}

/** Declares an event type; `current` must name one of `versions`. */
export function defineEventType<
  const TVersions extends Readonly<Record<number, EventVersionDefinition>>,
  const TCurrent extends keyof TVersions & number,
>(definition: EventTypeDefinition<TVersions, TCurrent>): EventTypeDefinition<TVersions, TCurrent> {
  return definition;
}
