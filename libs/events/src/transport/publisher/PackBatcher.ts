// Packs the events of high-volume types many to one SNS message while requests to the topic are in
// flight, and sends the packs as PublishBatch entries.
import { PACK_OVERHEAD_BYTES, packBody } from '../../contract/pack';
import { MAX_PUBLISH_BATCH_ENTRIES, MAX_SNS_MESSAGE_BYTES, messageSize, type StringAttributes } from '../attributes';
import { Batcher } from '../batching';
import type { EventVersionDefinition } from '../../contract/defineEvent';
import type { PendingPublish, TopicBatcher } from './TopicBatcher';

/** One event of a high-volume type, waiting for its pack. */
export interface PendingMember {
  eventId: string;
  /** The serialised envelope. */
  body: string;
  /** Its context, carried in the pack entry (and as the attribute when it leaves alone). */
  traceparent: string | undefined;
  /** `type` and the filter attributes: the pack's attributes, equal for every event packed with it. */
  attributes: StringAttributes;
  /** Events pack together only with the same key ({@link packKeyOf}): their type and filter attribute values. */
  packKey: string;
  /** The most bytes a pack of its type holds. */
  packBytes: number;
  /** Bytes it adds to a pack ({@link packEntryBytes}). */
  entryBytes: number;
  /** Bytes of its pack's attributes (the same for every event with its key). */
  attributeBytes: number;
  deadline: number;
  resolve(messageId: string | undefined): void;
  reject(error: Error): void;
}

interface Pack {
  members: PendingMember[];
  bytes: number;
}

/** What {@link takePacks} takes: the events, in publish order, and the packs it cut them into (what `send` publishes). */
export type TakenPacks = PendingMember[] & { packs: PendingMember[][] };

/**
 * The events of one topic's high-volume types. With no request to the topic in flight, what was
 * published in this turn of the event loop leaves at its end (a lone event leaves at once, as a
 * plain message); while requests are in flight, events gather, and leave packed when one settles,
 * or at once when a PublishBatch's worth (256 KiB) is waiting. Nothing waits on a timer. A pack
 * holds events with the same {@link packKeyOf} only, up to its type's `packBytes`.
 */
export class PackBatcher {
  private readonly batcher: Batcher<PendingMember>;

  constructor(
    private readonly sender: TopicBatcher,
    maxInFlight: number,
  ) {
    this.batcher = new Batcher<PendingMember>({
      windowMs: undefined,
      maxInFlight,
      eager: true,
      isFull: (_count, bytes) => bytes >= MAX_SNS_MESSAGE_BYTES,
      sizeOf: (member) => member.entryBytes,
      take: takePacks,
      send: (members) => this.send(members),
    });
  }

  add(member: PendingMember): void {
    this.batcher.add(member);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** One PublishBatch of the packs {@link takePacks} cut, retried as the topic's batches are. */
  private send(taken: PendingMember[]): Promise<void> {
    return this.sender.sendWithRetry((taken as TakenPacks).packs.map(pendingPublishOf));
  }
}

/**
 * What an event packs by: its type and each filter attribute's value, or, for a `Number` attribute
 * that declares thresholds, where its value lies among them (below the first, at it, between it
 * and the next, …). A filter may compare that attribute only with a threshold (the topology
 * refuses others), so it decides the same for every event with the key, and the pack's attributes
 * (its first event's) are as true for each of them. A value SNS might read differently from its
 * text (more than 5 decimals, beyond ±1e9) packs only with the same value.
 */
export function packKeyOf(type: string, attributes: StringAttributes, definition: EventVersionDefinition): string {
  let key = type;
  for (const name in attributes) {
    if (name === 'type') continue;
    const value = attributes[name]!.StringValue ?? '';
    const thresholds = definition.filterAttributes?.[name]?.thresholds;
    key += thresholds !== undefined && PLAIN_DECIMAL.test(value) && Math.abs(Number(value)) <= 1e9 ? `\u0000${name}#${rankAmong(Number(value), thresholds)}` : `\u0000${name}=${value}`;
  }
  return key;
}

/** A decimal SNS reads exactly as written: at most 5 decimals, no exponent. */
const PLAIN_DECIMAL = /^-?\d+(\.\d{1,5})?$/;

/** 2i when `value` lies below thresholds[i] (and above the one before), 2i+1 when it equals it, 2n above them all. */
function rankAmong(value: number, thresholds: readonly number[]): number {
  for (let i = 0; i < thresholds.length; i += 1) {
    if (value < thresholds[i]!) return 2 * i;
    if (value === thresholds[i]) return 2 * i + 1;
  }
  return 2 * thresholds.length;
}

/**
 * Takes one PublishBatch's worth of packs from `pending`, in publish order: each event joins the
 * open pack of its key while that stays within its `packBytes`, or opens a new one while the batch
 * stays within 10 entries and 256 KiB. An event that fits nowhere keeps its place for the next
 * batch; the walk ends when the batch is full or after {@link MAX_SKIPPED} such events.
 */
export function takePacks(pending: PendingMember[]): TakenPacks {
  const open = new Map<string, Pack>();
  const packs: PendingMember[][] = [];
  const taken: PendingMember[] = [];
  const skipped: PendingMember[] = [];
  let entries = 0;
  let total = 0;
  let index = 0;
  for (; index < pending.length && skipped.length < MAX_SKIPPED && total < MAX_SNS_MESSAGE_BYTES; index += 1) {
    const member = pending[index]!;
    const pack = open.get(member.packKey);
    if (pack && pack.bytes + member.entryBytes <= member.packBytes && total + member.entryBytes <= MAX_SNS_MESSAGE_BYTES) {
      pack.bytes += member.entryBytes;
      pack.members.push(member);
      total += member.entryBytes;
      taken.push(member);
      continue;
    }
    const opened = PACK_OVERHEAD_BYTES + member.attributeBytes + member.entryBytes;
    // An event near SNS's limit alone fits nowhere but an empty batch, where it leaves as a plain message.
    if (taken.length > 0 && (entries >= MAX_PUBLISH_BATCH_ENTRIES || total + opened > MAX_SNS_MESSAGE_BYTES)) {
      skipped.push(member);
      continue;
    }
    const next = { members: [member], bytes: opened };
    open.set(member.packKey, next);
    packs.push(next.members);
    entries += 1;
    total += opened;
    taken.push(member);
  }
  pending.splice(0, index, ...skipped);
  return Object.assign(taken, { packs });
}

/** Events a take walks past (they keep their place) before it sends what it has. */
const MAX_SKIPPED = 4_096;

/**
 * One pack as one PublishBatch entry whose outcome is each member's: a lone event goes as a plain
 * message (its traceparent an attribute); the entry's deadline is its earliest member's, so no
 * member waits past its own.
 */
function pendingPublishOf(members: PendingMember[]): PendingPublish {
  const first = members[0]!;
  const alone = members.length === 1;
  const attributes = alone && first.traceparent !== undefined ? { ...first.attributes, traceparent: { DataType: 'String', StringValue: first.traceparent } } : first.attributes;
  const body = alone ? first.body : packBody(members);
  return {
    entry: { id: first.eventId, body, attributes, size: messageSize(body, attributes) },
    deadline: Math.min(...members.map((member) => member.deadline)),
    resolve: (messageId) => members.forEach((member) => member.resolve(messageId)),
    reject: (error) => members.forEach((member) => member.reject(error)),
  };
}
