// A received pack (many events of one high-volume type in one SQS message), unpacked: one lease
// per event, which the pipeline runs as it runs any message, while the SQS message itself stays
// held until every event in it has come to its end.
import type { Message } from '@aws-sdk/client-sqs';
import { readPackEntry } from '../../contract/pack';
import type { Lease } from './InFlightMessages';

/**
 * One SQS message holding a pack, while its events run. Each event's outcome is recorded on its
 * {@link MemberLease} instead of acting on the message: once all have ended, the message is
 * deleted when every event was applied, found a duplicate or parked in the DLQ on its own;
 * otherwise it comes back after the shortest retry delay its failed events asked for, and only
 * those run again (the others are completed in the idempotency store and found duplicates).
 */
export class Pack {
  readonly members: MemberLease[];
  /** The shortest delay an event asked to be retried after; undefined: none asked. */
  retryDelaySeconds: number | undefined;
  /** An event whose processing failed unexpectedly: the message comes back after its visibility timeout. */
  unexpected: unknown;
  /** How many of its events have come to their end. */
  ended = 0;
  /**
   * The pack's own claim in the idempotency store, when the store claims packs whole
   * (`claimPack`): its events then have no claims of their own, and `done` holds the places of
   * those finished, in this attempt or an earlier one.
   */
  claimKey: string | undefined;
  readonly done = new Set<number>();
  /** Stops the message's heartbeat (set when the pack is opened). */
  stopHeartbeat: () => void = () => undefined;
  private readonly beats = new Set<() => void>();

  constructor(
    readonly lease: Lease,
    entries: readonly unknown[],
  ) {
    this.members = entries.map((entry, index) => {
      const { event, traceparent } = readPackEntry(entry);
      return new MemberLease(this, index, event, traceparent);
    });
  }

  /** What the message's heartbeat does at each beat: renew the claim of every event still running. */
  beat(): void {
    for (const beat of this.beats) beat();
  }

  /** An event's handler runs: its claim is renewed at each beat of the message until the returned function is called. */
  keepAlive(onBeat: (() => void) | undefined): () => void {
    if (onBeat === undefined) return () => undefined;
    this.beats.add(onBeat);
    return () => this.beats.delete(onBeat);
  }

  /** The event at `index` was applied or parked: with a pack claim, it is not run again. */
  finished(index: number): void {
    if (this.claimKey !== undefined) this.done.add(index);
  }

  retryIn(seconds: number): void {
    this.retryDelaySeconds = Math.min(this.retryDelaySeconds ?? seconds, seconds);
  }
}

/**
 * One event of a pack, as a lease: its receive count, receipt handle and release are the
 * message's; its id is the message's with the event's place (`<messageId>#<index>`), and its
 * `message`, built when the event goes to the DLQ, is the event alone with its trace context.
 */
export class MemberLease implements Lease {
  readonly messageId: string;
  readonly receivedAt: number;
  claimedEventId?: string;
  deleted?: boolean;
  private copy: Message | undefined;

  constructor(
    readonly pack: Pack,
    readonly index: number,
    /** The event as it was in the pack, not yet validated. */
    readonly event: unknown,
    readonly traceparent: string | undefined,
  ) {
    this.messageId = `${pack.lease.messageId}#${index}`;
    this.receivedAt = pack.lease.receivedAt;
  }

  get receiptHandle(): string {
    return this.pack.lease.receiptHandle;
  }

  get receiveCount(): number {
    return this.pack.lease.receiveCount;
  }

  get released(): boolean {
    return this.pack.lease.released;
  }

  /** The event as a message of its own: what its DLQ entry holds (redriven, it reads as a single event). */
  get message(): Message {
    this.copy ??= {
      MessageId: this.messageId,
      Body: JSON.stringify(this.event) ?? 'null',
      MessageAttributes: this.traceparent === undefined ? {} : { traceparent: { DataType: 'String', StringValue: this.traceparent } },
    };
    return this.copy;
  }
}
