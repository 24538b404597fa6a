// Keeps held messages hidden while their handlers run: one timer, batched
// ChangeMessageVisibilityBatch requests.
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
    // The timer stays armed when the last lease leaves: it then fires once and finds nothing,
    // rather than being cleared and set again for each of a busy queue's messages.
    return () => void this.beating.delete(lease);
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
    void changeVisibilityInBatches(this.sqs, this.queueUrl, due, this.visibilityTimeoutSeconds, this.requestTimeoutMs, this.onError);
  }
}

/**
 * Sets the visibility of `leases` with ChangeMessageVisibilityBatch requests of up to 10, each
 * lease's newest receipt handle, all at once; resolves when every request has settled. A failed
 * request or entry is reported to `onError`, never thrown: those messages show again after their
 * current visibility timeout instead.
 */
export async function changeVisibilityInBatches(
  sqs: SQSClient,
  queueUrl: string,
  leases: readonly Lease[],
  seconds: number,
  timeoutMs: number,
  onError: (operation: string, error: unknown) => void,
): Promise<void> {
  const requests: Promise<void>[] = [];
  for (let i = 0; i < leases.length; i += 10) {
    const command = new ChangeMessageVisibilityBatchCommand({
      QueueUrl: queueUrl,
      Entries: leases.slice(i, i + 10).map((lease, index) => ({ Id: `m${index}`, ReceiptHandle: lease.receiptHandle, VisibilityTimeout: seconds })),
    });
    requests.push(
      bounded('ChangeMessageVisibilityBatch', timeoutMs, (abortSignal) => sqs.send(command, { abortSignal })).then(
        (output) => {
          for (const failure of output.Failed ?? []) {
            onError('ChangeMessageVisibilityBatch', new Error(`visibility of one message not changed: ${failure.Code ?? ''} ${failure.Message ?? ''}`.trim()));
          }
        },
        (error: unknown) => onError('ChangeMessageVisibilityBatch', error),
      ),
    );
  }
  await Promise.all(requests);
}
