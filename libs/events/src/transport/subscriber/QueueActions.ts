// What the subscriber does to a queue's messages: delete, change visibility, release, dead-letter,
// heartbeat.
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { bounded } from '../bounded';
import { isRetryableError } from '../retry';
import { sendToDeadLetterQueue } from './deadLetter';
import type { DeleteBatcher } from './DeleteBatcher';
import { changeVisibilityInBatches, Heartbeat } from './Heartbeat';
import type { Lease } from './InFlightMessages';
import type { QueueInfo } from './queueInfo';
import { MemberLease } from './packs';

/** How a dead-lettering ended: copied with its reason, to be retried soon, or sent on through the queue's RedrivePolicy. */
export type DeadLetterOutcome = 'parked' | 'retry-soon' | 'redrive';

/**
 * What the subscriber does to a held message on the queue: delete it, put it back later, keep it
 * invisible, park it in the DLQ. Every call uses the lease's newest receipt handle and is bounded
 * in time. Broker failures are reported to `onError`, never thrown: the message then comes back,
 * which at-least-once delivery and the idempotency store absorb.
 */
export class QueueActions {
  /** Messages the DLQ refused for good: each new copy goes straight back until RedrivePolicy moves it. */
  private readonly redriving = new Set<string>();
  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly queue: QueueInfo,
    private readonly deletes: DeleteBatcher,
    private readonly requestTimeoutMs: number,
    private readonly onError: (operation: string, error: unknown) => void,
  ) {
    this.heartbeat = new Heartbeat(sqs, queueUrl, queue.visibilityTimeoutSeconds, requestTimeoutMs, onError);
  }

  get maxReceiveCount(): number {
    return this.queue.maxReceiveCount;
  }

  get visibilityTimeoutSeconds(): number {
    return this.queue.visibilityTimeoutSeconds;
  }

  /** A pack's event is not deleted alone: it is marked done, and the pack is deleted when all its events are. */
  async delete(lease: Lease): Promise<void> {
    if (lease.released) return;
    if (lease instanceof MemberLease) {
      lease.deleted = true;
      return;
    }
    try {
      await this.deletes.delete(lease.receiptHandle);
      lease.deleted = true;
    } catch (error) {
      this.onError('DeleteMessageBatch', error);
    }
  }

  /**
   * Copies the message to the DLQ with the reason; the caller deletes it once parked. A transient failure brings it
   * back soon for another try; a permanent one (the DLQ refuses the copy, e.g. too large with the
   * reason added) sends it on through the queue's RedrivePolicy at once: it is made visible again
   * on each receive until SQS moves it to the DLQ, which takes seconds, not retries.
   */
  async deadLetter(lease: Lease, reason: string): Promise<DeadLetterOutcome> {
    try {
      await sendToDeadLetterQueue(this.sqs, this.queue.deadLetterQueueUrl, lease.message, reason, this.requestTimeoutMs);
    } catch (error) {
      this.onError('SendMessage(DLQ)', error);
      if (isRetryableError(error) || lease instanceof MemberLease) {
        // A pack's event cannot go on through RedrivePolicy alone: it is tried again with the pack.
        await this.changeVisibility(lease, 1);
        return 'retry-soon';
      }
      this.redriving.add(lease.messageId);
      await this.changeVisibility(lease, 0);
      return 'redrive';
    }
    return 'parked';
  }

  /** True for a message on its way to the DLQ through RedrivePolicy: give it straight back. */
  isRedriving(lease: Lease): boolean {
    return this.redriving.has(lease.messageId);
  }

  /** Gives messages back to the queue now (shutdown); a late finish will not delete them. */
  async release(leases: readonly Lease[]): Promise<void> {
    for (const lease of leases) lease.released = true;
    // What fails comes back after its visibility timeout instead.
    await changeVisibilityInBatches(this.sqs, this.queueUrl, leases, 0, this.requestTimeoutMs, this.onError);
  }

  /** For a pack's event, the pack comes back after the shortest delay one of its events asked for. */
  async changeVisibility(lease: Lease, seconds: number): Promise<boolean> {
    if (lease.released) return false;
    if (lease instanceof MemberLease) {
      lease.pack.retryIn(seconds);
      return true;
    }
    try {
      const command = new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: lease.receiptHandle, VisibilityTimeout: seconds });
      await bounded('ChangeMessageVisibility', this.requestTimeoutMs, (abortSignal) => this.sqs.send(command, { abortSignal }));
      return true;
    } catch (error) {
      this.onError('ChangeMessageVisibility', error);
      return false;
    }
  }

  /** Keeps a slow handler's message invisible until the returned function is called ({@link Heartbeat}). */
  keepAlive(lease: Lease, onBeat?: () => void): () => void {
    // A pack's message beats while any of its events runs; each event's claim is renewed with it.
    if (lease instanceof MemberLease) return lease.pack.keepAlive(onBeat);
    return this.heartbeat.keepAlive(lease, onBeat);
  }

  /** No more beats: the subscriber has stopped, and what it still held was released. */
  stopHeartbeats(): void {
    this.heartbeat.stop();
  }
}
