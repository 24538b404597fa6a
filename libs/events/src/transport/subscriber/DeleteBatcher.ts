// Deletes handled messages with DeleteMessageBatch, shared across messages that finish apart.
import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Batcher } from '../batching';
import { bounded } from '../bounded';

const MAX_ENTRIES = 10;

interface PendingDelete {
  receiptHandle: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** A batch leaves when it has 10 entries or after `windowMs`, so deletes are shared even when messages finish one at a time. */
export class DeleteBatcher {
  private readonly batcher: Batcher<PendingDelete>;

  constructor(sqs: SQSClient, queueUrl: string, windowMs: number, timeoutMs: number) {
    this.batcher = new Batcher<PendingDelete>({
      windowMs,
      isFull: (count) => count >= MAX_ENTRIES,
      take: (pending) => pending.splice(0, MAX_ENTRIES),
      send: async (batch) => {
        const command = new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((item, index) => ({ Id: `m${index}`, ReceiptHandle: item.receiptHandle })) });
        try {
          const output = await bounded('DeleteMessageBatch', timeoutMs, (abortSignal) => sqs.send(command, { abortSignal }));
          const failed = new Map((output.Failed ?? []).map((f) => [f.Id, f]));
          batch.forEach((item, index) => {
            const failure = failed.get(`m${index}`);
            if (failure) item.reject(new Error(`DeleteMessageBatch entry failed: ${failure.Code ?? ''} ${failure.Message ?? ''}`.trim()));
            else item.resolve();
          });
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      },
    });
  }

  /** Resolves once SQS confirmed the delete; rejects when it did not (the message will come back). */
  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => this.batcher.add({ receiptHandle, resolve, reject }));
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }
}
