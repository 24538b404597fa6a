// Building and reading envelopes against the catalog: createEnvelope for publishers, decodeEnvelope
// (every check a consumer makes) for subscribers.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Catalog, EventData, EventInput, EventTypeName } from './catalog';
import type { EventTypeDefinition } from './defineEvent';
import {
  consumedEnvelopeSchema,
  ENVELOPE_SPEC_VERSION,
  publishMetadataSchema,
  type EventEnvelope,
  type PublishMetadata,
} from './envelope';
import { ContractError, formatIssues } from './errors';

/** Looks up a type, or throws naming the types that exist. */
export function getEventType(catalog: Catalog, type: string): EventTypeDefinition {
  const definition = Object.hasOwn(catalog, type) ? catalog[type] : undefined;
  if (!definition) {
    throw new ContractError(
      'UNKNOWN_EVENT_TYPE',
      `Unknown event type "${type}"; the catalog has: ${Object.keys(catalog).join(', ')}`,
    );
  }
  return definition;
}

/**
 * Publisher side: validates `data` against (type, version) and wraps it in an envelope with
 * `id`, `time` and `correlationId` filled in. Throws {@link ContractError}; nothing is sent.
 */
export function createEnvelope<C extends Catalog, T extends EventTypeName<C>>(
  catalog: C,
  args: { type: T; data: EventInput<C, T>; source: string; version?: number; metadata?: PublishMetadata; sequence?: { instance: string; n: number } },
): EventEnvelope<T, EventData<C, T>> {
  const definition = getEventType(catalog, args.type);
  const version = args.version ?? definition.current;
  const versionDefinition = definition.versions[version];
  if (!versionDefinition) {
    throw new ContractError(
      'UNKNOWN_EVENT_VERSION',
      `${args.type} has no version ${version}; declared: ${Object.keys(definition.versions).join(', ')}`,
    );
  }
  if (definition.producer !== args.source) {
    throw new ContractError(
      'NOT_PRODUCER',
      `${args.type} is produced by "${definition.producer}", not by "${args.source}"`,
    );
  }
  // Most publishes carry no metadata: nothing to check then (an empty object is valid).
  const metadata = args.metadata === undefined || !hasDefinedValue(args.metadata) ? EMPTY_METADATA : publishMetadataSchema.safeParse(args.metadata);
  if (!metadata.success) {
    throw new ContractError('EVENT_METADATA_INVALID', `Invalid metadata for ${args.type}: ${formatIssues(metadata.error.issues)}`, {
      issues: metadata.error.issues,
    });
  }
  const parsed = versionDefinition.schema.safeParse(args.data);
  if (!parsed.success) {
    throw new ContractError(
      'EVENT_DATA_INVALID',
      `Invalid data for ${args.type} v${version}: ${formatIssues(parsed.error.issues)}`,
      { issues: parsed.error.issues },
    );
  }
  const id = metadata.data.id ?? randomUUID();
  const time = metadata.data.time ?? new Date();
  return {
    specversion: ENVELOPE_SPEC_VERSION,
    id,
    type: args.type,
    version,
    source: args.source,
    time: typeof time === 'string' ? time : time.toISOString(),
    correlationId: metadata.data.correlationId ?? id,
    ...(metadata.data.causationId === undefined ? {} : { causationId: metadata.data.causationId }),
    ...(args.sequence === undefined ? {} : { producerInstance: args.sequence.instance, sequence: args.sequence.n }),
    data: parsed.data as EventData<C, T>,
  };
}

const EMPTY_METADATA: { success: true; data: z.output<typeof publishMetadataSchema> } = { success: true, data: {} };

function hasDefinedValue(object: object): boolean {
  for (const key in object) if ((object as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

/** Why a received message can never be handled. Stable codes, for logs, metrics, alarms and the DLQ. */
export const REJECTION_CODES = [
  'MALFORMED_JSON',
  'INVALID_ENVELOPE',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_EVENT_VERSION',
  'VERSION_NOT_READABLE',
  'EVENT_DATA_INVALID',
  'UPCAST_FAILED',
  'MESSAGE_TOO_LARGE',
  'FOREIGN_SOURCE',
  'TIME_IN_FUTURE',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export type DecodeResult =
  | { ok: true; envelope: EventEnvelope; sourceVersion: number }
  | { ok: false; code: RejectionCode; reason: string; eventId?: string; type?: string };

/** The longest correlation or causation id either end accepts (ours are uuids, 36). */
export const MAX_ID_LENGTH = 128;
const BOUNDED_IDS = ['correlationId', 'causationId'] as const;

/** How far ahead of the consumer's clock an event's `time` may be before it is refused: 5 minutes. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 300_000;

/** What a consumer holds an envelope's claims against, beyond its schema. */
export interface DecodeChecks {
  /** The consumer's clock, ms since the epoch. @defaultValue Date.now() */
  now?: number;
  /** How far in the future `time` may be. @defaultValue {@link DEFAULT_MAX_FUTURE_SKEW_MS} */
  maxFutureSkewMs?: number;
}

/**
 * Consumer side: validates an envelope and reads its data as version `readVersion` (default:
 * the type's current version), upcasting from an older version through the declared upcasters.
 * Who sent it is checked too: `source` must be the type's declared producer, and `time` may not
 * lie further in the future than the allowed clock skew (one event dated 2099 would otherwise
 * outrank every real one in a consumer that keeps the latest).
 * Never throws: a message that cannot be valid gets a reason, so it can go to the DLQ.
 */
export function decodeEnvelope(catalog: Catalog, raw: unknown, readVersion?: number, reader?: z.ZodType, checks: DecodeChecks = {}): DecodeResult {
  const envelope = consumedEnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    return { ok: false, code: 'INVALID_ENVELOPE', reason: `Invalid envelope: ${formatIssues(envelope.error.issues)}` };
  }
  const { type, version, id } = envelope.data;
  const definition = Object.hasOwn(catalog, type) ? catalog[type] : undefined;
  if (!definition) {
    return { ok: false, code: 'UNKNOWN_EVENT_TYPE', reason: `Unknown event type "${type}"`, eventId: id, type };
  }
  const oversized = BOUNDED_IDS.find((field) => (envelope.data[field]?.length ?? 0) > MAX_ID_LENGTH);
  if (oversized) {
    return { ok: false, code: 'INVALID_ENVELOPE', reason: `${oversized} is ${envelope.data[oversized]!.length} characters; at most ${MAX_ID_LENGTH}`, eventId: id, type };
  }
  if (envelope.data.source !== definition.producer) {
    return { ok: false, code: 'FOREIGN_SOURCE', reason: `${type} is produced by "${definition.producer}", not by "${envelope.data.source.slice(0, 64)}"`, eventId: id, type };
  }
  const skew = Date.parse(envelope.data.time) - (checks.now ?? Date.now());
  if (skew > (checks.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) {
    return { ok: false, code: 'TIME_IN_FUTURE', reason: `time ${envelope.data.time} is ${Math.round(skew / 1000)} s ahead of this consumer's clock (at most ${Math.round((checks.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS) / 1000)} s allowed)`, eventId: id, type };
  }
  const sourceDefinition = definition.versions[version];
  if (!sourceDefinition) {
    return {
      ok: false,
      code: 'UNKNOWN_EVENT_VERSION',
      reason: `${type} has no version ${version}; declared: ${Object.keys(definition.versions).join(', ')}`,
      eventId: id,
      type,
    };
  }
  const target = readVersion ?? definition.current;
  if (version > target) {
    return {
      ok: false,
      code: 'VERSION_NOT_READABLE',
      reason: `${type} v${version} is newer than v${target}, the version this consumer reads; no downcaster exists`,
      eventId: id,
      type,
    };
  }
  // A tolerant reader reads an event of its own version through its reader schema alone, so the
  // fields it does not read may change without breaking it.
  const first = (reader !== undefined && version === target ? reader : sourceDefinition.schema).safeParse(envelope.data.data);
  if (!first.success) {
    return {
      ok: false,
      code: 'EVENT_DATA_INVALID',
      reason: `Invalid data for ${type} v${version}: ${formatIssues(first.error.issues)}`,
      eventId: id,
      type,
    };
  }
  let data: unknown = first.data;
  for (let next = version + 1; next <= target; next += 1) {
    const step = definition.versions[next];
    const upcast = step?.upcastFromPrevious as ((previous: unknown) => unknown) | undefined;
    if (!step || !upcast) {
      return {
        ok: false,
        code: 'VERSION_NOT_READABLE',
        reason: `${type} v${version} cannot be read as v${target}: v${next} declares no upcaster`,
        eventId: id,
        type,
      };
    }
    let upcasted;
    try {
      upcasted = step.schema.safeParse(upcast(data));
    } catch (error) {
      return {
        ok: false,
        code: 'UPCAST_FAILED',
        reason: `Upcasting ${type} v${next - 1} to v${next} threw: ${error instanceof Error ? error.message : String(error)}`,
        eventId: id,
        type,
      };
    }
    if (!upcasted.success) {
      return {
        ok: false,
        code: 'UPCAST_FAILED',
        reason: `Upcasting ${type} v${next - 1} to v${next} gave invalid data: ${formatIssues(upcasted.error.issues)}`,
        eventId: id,
        type,
      };
    }
    data = upcasted.data;
  }
  if (reader !== undefined && version !== target) {
    const read = reader.safeParse(data);
    if (!read.success) {
      return { ok: false, code: 'EVENT_DATA_INVALID', reason: `${type} v${version} upcast to v${target} does not fit this consumer's reader: ${formatIssues(read.error.issues)}`, eventId: id, type };
    }
    data = read.data;
  }
  return { ok: true, envelope: { ...envelope.data, version: target, data }, sourceVersion: version };
}
