import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { bounded } from '../bounded';

const MAX_ENTRIES = 10;

/**
 * Deletes handled messages with DeleteMessageBatch: a batch leaves when it has 10 entries or after
 * `windowMs`, so deletes are shared across messages even when they arrive one at a time.
 */
export class DeleteBatcher {
  private pending: { receiptHandle: string; resolve(): void; reject(error: unknown): void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly windowMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once SQS confirmed the delete; rejects when it did not (the message will come back). */
  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ receiptHandle, resolve, reject });
      if (this.pending.length >= MAX_ENTRIES) this.send();
      else this.timer ??= setTimeout(() => this.drain(), this.windowMs);
    });
  }

  async flush(): Promise<void> {
    this.drain();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) this.send();
  }

  private send(): void {
    const batch = this.pending.splice(0, MAX_ENTRIES);
    if (this.pending.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const command = new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((item, index) => ({ Id: `m${index}`, ReceiptHandle: item.receiptHandle })) });
    const request = bounded('DeleteMessageBatch', this.timeoutMs, (abortSignal) => this.sqs.send(command, { abortSignal }))
      .then((output) => {
        const failed = new Map((output.Failed ?? []).map((f) => [f.Id, f]));
        batch.forEach((item, index) => {
          const failure = failed.get(`m${index}`);
          if (failure) item.reject(new Error(`DeleteMessageBatch entry failed: ${failure.Code ?? ''} ${failure.Message ?? ''}`.trim()));
          else item.resolve();
        });
      })
      .catch((error: unknown) => {
        for (const item of batch) item.reject(error);
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }
}
