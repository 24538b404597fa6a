// The wire format of a pack: many events of one high-volume type in one SNS message.
import type { EventTypeDefinition } from './defineEvent';

/**
 * A pack's body: `{"packed":[{"event":<envelope>,"traceparent":"00-…"}, …]}`. Every event in it
 * has the same type and the same filter attribute values, which are the message's attributes, so
 * SNS's filter decision for the message is its decision for each event. Each entry carries its
 * own trace context (the messaging conventions' context-in-the-message), since one message
 * attribute cannot carry many.
 */
export const PACK_FIELD = 'packed';

/** One event in a pack: its envelope (as published), and its publish span's context when traced. */
export interface PackEntry {
  event: unknown;
  traceparent?: string;
}

/**
 * The most events a pack may hold: the smallest valid envelope is over 180 bytes, so SNS's 256 KiB
 * carries fewer than 1,500. A message claiming more is not ours, and is parked whole rather than
 * turned into thousands of DLQ entries.
 */
export const MAX_PACK_EVENTS = 2_000;

/** SNS bills each started 64 KiB of a published message as one request: a pack fills one by default. */
export const DEFAULT_PACK_BYTES = 65_536;
export const MIN_PACK_BYTES = 1_024;

/** How many bytes a type's packs hold; undefined when the type is not packed. */
export function packBytesOf(definition: EventTypeDefinition): number | undefined {
  const { highVolume } = definition;
  if (highVolume === undefined || highVolume === false) return undefined;
  return highVolume === true ? DEFAULT_PACK_BYTES : highVolume.packBytes;
}

/** The entries of a pack body, or undefined when `body` is not one (a single event). */
export function packEntriesOf(body: unknown): unknown[] | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const entries = (body as Record<string, unknown>)[PACK_FIELD];
  return Array.isArray(entries) ? entries : undefined;
}

/** One entry of a received pack, read defensively: what is not an entry comes back as the event, to fail its own decode. */
export function readPackEntry(entry: unknown): { event: unknown; traceparent: string | undefined } {
  if (typeof entry !== 'object' || entry === null) return { event: entry, traceparent: undefined };
  const { event, traceparent } = entry as Record<string, unknown>;
  return { event, traceparent: typeof traceparent === 'string' ? traceparent : undefined };
}

/** Bytes one entry adds to a pack body: its serialised envelope, the trace context and the JSON around them. */
export function packEntryBytes(bodyBytes: number, traceparent: string | undefined): number {
  return bodyBytes + (traceparent === undefined ? 0 : traceparent.length + 17) + 11;
}

/** Bytes of a pack body around its entries: `{"packed":[` … `]}`. */
export const PACK_OVERHEAD_BYTES = 13;

/** Serialises a pack from its entries' already serialised envelopes. */
export function packBody(entries: readonly { body: string; traceparent?: string | undefined }[]): string {
  const parts = entries.map(({ body, traceparent }) => (traceparent === undefined ? `{"event":${body}}` : `{"event":${body},"traceparent":${JSON.stringify(traceparent)}}`));
  return `{"${PACK_FIELD}":[${parts.join(',')}]}`;
}
