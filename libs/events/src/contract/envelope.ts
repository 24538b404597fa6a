// The envelope every event travels in, and its schema.
import { z } from 'zod';

/**
 * The envelope every event travels in. Field names follow CloudEvents 1.0 where they fit
 * (`specversion`, `id`, `type`, `source`, `time`), so tools that speak CloudEvents can read it.
 */
export const ENVELOPE_SPEC_VERSION = '1.0';

const envelopeFields = {
  specversion: z.literal(ENVELOPE_SPEC_VERSION).describe('CloudEvents spec version of this envelope.'),
  id: z.uuid().describe('Unique id of this event; consumers deduplicate on it.'),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$/, 'type must look like "domain.event"')
    .describe('Event type, e.g. "weather.changed".'),
  version: z.int().min(1).describe('Schema version of `data` for this type.'),
  source: z.string().min(1).describe('The service that produced the event, e.g. "weather-manager".'),
  time: z.iso.datetime({ offset: true }).describe('When the event happened (ISO 8601).'),
  correlationId: z
    .string()
    .min(1)
    .describe('Id shared by every event of one logical flow; the first event uses its own id.'),
  causationId: z.string().min(1).optional().describe('Id of the event that caused this one, if any.'),
  producerInstance: z.uuid().optional().describe('Id of the producer process that published it (a new one at each start).'),
  sequence: z
    .int()
    .min(1)
    .optional()
    .describe('Its place among the events that producer process published, from 1: consumers that keep the latest order by it, not by the producer\'s clock.'),
} as const;

/** What a consumer receives: every envelope field is required (but `causationId`). */
export const consumedEnvelopeSchema = z.object({
  ...envelopeFields,
  data: z.unknown().describe('The payload, validated against the schema of (type, version).'),
});

export type EventEnvelope<TType extends string = string, TData = unknown> = {
  specversion: typeof ENVELOPE_SPEC_VERSION;
  id: string;
  type: TType;
  version: number;
  source: string;
  time: string;
  correlationId: string;
  causationId?: string;
  producerInstance?: string;
  sequence?: number;
  data: TData;
};

/** Publisher-side options: `id`, `time` and `correlationId` are filled in when absent. */
export type PublishMetadata = {
  id?: string;
  time?: string | Date;
  correlationId?: string;
  causationId?: string;
};

/** Publishers accept ids a consumer accepts: at most 128 characters (consumers refuse longer ones). */
export const publishMetadataSchema = z.object({
  id: envelopeFields.id.optional(),
  time: z.union([envelopeFields.time, z.date()]).optional(),
  correlationId: envelopeFields.correlationId.max(128).optional(),
  causationId: z.string().min(1).max(128).optional(),
});
