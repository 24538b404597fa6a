import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { bounded } from '../bounded';
import type { Lease } from './InFlightMessages';

interface Beating {
  /** When this lease's next beat is due (ms, performance.now()). */
  dueAt: number;
  onBeat: (() => void) | undefined;
}

/**
 * Keeps slow handlers' messages invisible: every held lease is beaten (its visibility set back to
 * the queue's timeout) at least three times per visibility timeout, so a failed beat leaves two
 * more before the message shows again. One timer serves every lease, and the leases due together
 * share ChangeMessageVisibilityBatch requests of up to 10: a lease due within the next sixth of the
 * timeout is beaten with those due now (early, which only extends it). 100 slow handlers cost 10
 * requests per beat, not 100; a handler that ends before its first beat costs none.
 */
export class Heartbeat {
  private readonly beating = new Map<Lease, Beating>();
  private timer: NodeJS.Timeout | undefined;
  /** Between two beats of one lease: a third of the timeout at most, a sixth at least. */
  private readonly intervalMs: number;
  private readonly coalesceMs: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilityTimeoutSeconds: number,
    private readonly requestTimeoutMs: number,
    private readonly onError: (operation: string, error: unknown) => void,
  ) {
    this.intervalMs = (visibilityTimeoutSeconds * 1000) / 3;
    this.coalesceMs = this.intervalMs / 2;
  }

  /** Beats `lease` until the returned function is called; `onBeat` runs at each beat (e.g. to renew a claim). */
  keepAlive(lease: Lease, onBeat?: () => void): () => void {
    const dueAt = performance.now() + this.intervalMs;
    this.beating.set(lease, { dueAt, onBeat });
    // Every lease already here is due no later than this one: an armed timer stays as it is.
    this.timer ??= setTimeout(() => this.beat(), this.intervalMs);
    return () => {
      this.beating.delete(lease);
      if (this.beating.size === 0) this.disarm();
    };
  }

  /** Stops every beat (the subscriber stopped). */
  stop(): void {
    this.beating.clear();
    this.disarm();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    this.timer = undefined;
    const now = performance.now();
    const due: Lease[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [lease, beating] of this.beating) {
      if (lease.released) {
        // Given back to the queue: nothing to keep hidden.
        this.beating.delete(lease);
        continue;
      }
      if (beating.dueAt <= now + this.coalesceMs) {
        due.push(lease);
        beating.dueAt = now + this.intervalMs;
        beating.onBeat?.();
      }
      next = Math.min(next, beating.dueAt);
    }
    if (this.beating.size > 0) this.timer = setTimeout(() => this.beat(), Math.max(0, next - now));
    for (let i = 0; i < due.length; i += 10) void this.send(due.slice(i, i + 10));
  }

  /** One ChangeMessageVisibilityBatch with each lease's newest receipt handle; failures are reported, never thrown. */
  private async send(leases: Lease[]): Promise<void> {
    const command = new ChangeMessageVisibilityBatchCommand({
      QueueUrl: this.queueUrl,
      Entries: leases.map((lease, index) => ({ Id: `m${index}`, ReceiptHandle: lease.receiptHandle, VisibilityTimeout: this.visibilityTimeoutSeconds })),
    });
    try {
      const output = await bounded('ChangeMessageVisibilityBatch', this.requestTimeoutMs, (abortSignal) => this.sqs.send(command, { abortSignal }));
      for (const failure of output.Failed ?? []) {
        this.onError('ChangeMessageVisibilityBatch', new Error(`heartbeat of one message failed: ${failure.Code ?? ''} ${failure.Message ?? ''}`.trim()));
      }
    } catch (error) {
      this.onError('ChangeMessageVisibilityBatch', error);
    }
  }
}
