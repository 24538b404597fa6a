// Coalesces one topic's publishes into PublishBatch requests and retries them until their deadlines.
import type { SNSClient } from '@aws-sdk/client-sns';
import { MAX_PUBLISH_BATCH_ENTRIES, MAX_SNS_MESSAGE_BYTES } from '../attributes';
import { Batcher } from '../batching';
import { PublishRejectedError, PublishTimeoutError } from '../errors';
import { backoffDelayMs, delay, isRetryableError } from '../retry';
import { sendPublishBatch, type BatchEntry } from './publishBatch';

export interface PendingPublish {
  /** With its size: the batcher fills requests up to SNS's byte limit. */
  entry: BatchEntry & { size: number };
  /** Epoch ms after which the caller gets a timeout instead of another retry. */
  deadline: number;
  resolve(messageId: string | undefined): void;
  reject(error: Error): void;
}

export interface BatcherOptions {
  /** The longest a partial batch waits for company while other requests to the topic are in flight. */
  windowMs: number;
  /** Requests to the topic at once; full batches beyond wait for one to settle. */
  maxInFlight: number;
  retryBaseMs: number;
  retryMaxMs: number;
  attemptTimeoutMs: number;
  onRetry(eventIds: readonly string[], attempt: number, error: unknown): void;
}

/**
 * Coalesces the publishes of one topic into PublishBatch requests, with no fixed linger: what is
 * published in one turn of the event loop leaves together at its end when nothing is in flight (a
 * lone publish goes at once); while requests are in flight, new publishes gather until one settles
 * (or `windowMs` passes), and a batch leaves as soon as it is full (10 entries or 256 KiB), up to
 * `maxInFlight` requests at once.
 */
export class TopicBatcher {
  private readonly batcher: Batcher<PendingPublish>;

  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly options: BatcherOptions,
  ) {
    this.batcher = new Batcher<PendingPublish>({
      windowMs: options.windowMs,
      maxInFlight: options.maxInFlight,
      eager: true,
      isFull: (count, bytes) => count >= MAX_PUBLISH_BATCH_ENTRIES || bytes > MAX_SNS_MESSAGE_BYTES,
      sizeOf: (publish) => publish.entry.size,
      take: takeBatch,
      send: (batch) => this.retrying(batch),
    });
  }

  add(publish: PendingPublish): void {
    this.batcher.add(publish);
  }

  /** Sends everything pending now and resolves when every request has settled. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Sends `batch` as one PublishBatch now (retried until each entry's deadline), bypassing the coalescing: packs come ready-made. */
  sendWithRetry(batch: PendingPublish[]): Promise<void> {
    return this.retrying(batch);
  }

  private async retrying(batch: PendingPublish[]): Promise<void> {
    let remaining = this.rejectExpired(batch, 0, undefined);
    for (let attempt = 1; remaining.length > 0; attempt += 1) {
      let lastError: unknown;
      try {
        remaining = await this.attempt(remaining);
        if (remaining.length > 0) lastError = new Error('SNS reported a server-side failure for some entries');
      } catch (error) {
        if (!isRetryableError(error)) {
          const ids = remaining.map((p) => p.entry.id);
          const rejected = error instanceof PublishRejectedError
            ? error
            : new PublishRejectedError('PUBLISH_REJECTED', `SNS refused PublishBatch of events ${ids.join(', ')}: ${describe(error)}`, { cause: error, eventIds: ids });
          for (const publish of remaining) publish.reject(rejected);
          return;
        }
        lastError = error;
      }
      if (remaining.length === 0) return;
      const wait = backoffDelayMs(attempt, this.options.retryBaseMs, this.options.retryMaxMs);
      remaining = this.rejectExpired(remaining, wait, lastError, attempt);
      if (remaining.length === 0) return;
      this.options.onRetry(remaining.map((p) => p.entry.id), attempt, lastError);
      await delay(wait);
    }
  }

  /**
   * Rejects, with PublishTimeoutError, each publish whose deadline passes within `waitMs` (one that
   * waited in the queue too); returns the others.
   */
  private rejectExpired(publishes: PendingPublish[], waitMs: number, lastError: unknown, attempts = 0): PendingPublish[] {
    const now = Date.now();
    const expired = publishes.filter((p) => now + waitMs >= p.deadline);
    for (const publish of expired) {
      const why = attempts === 0 ? 'waited for a request past its deadline' : `was not acknowledged by SNS before its deadline (${attempts} attempts): ${describe(lastError)}`;
      publish.reject(new PublishTimeoutError('PUBLISH_DEADLINE_EXCEEDED', `Event ${publish.entry.id} ${why}`, { cause: lastError, eventIds: [publish.entry.id] }));
    }
    return expired.length === 0 ? publishes : publishes.filter((p) => !expired.includes(p));
  }

  /** One request; returns the entries worth another try. */
  private async attempt(batch: PendingPublish[]): Promise<PendingPublish[]> {
    // Bounded by the attempt's timeout and by the time its latest deadline leaves: a publish settles
    // by its deadline even if SNS never answers.
    const timeLeft = Math.max(...batch.map((p) => p.deadline)) - Date.now();
    const output = await sendPublishBatch(this.sns, this.topicArn, batch.map((p) => p.entry), Math.max(1, Math.min(this.options.attemptTimeoutMs, timeLeft)));
    const byId = new Map(batch.map((p) => [p.entry.id, p]));
    for (const success of output.Successful ?? []) {
      const publish = success.Id === undefined ? undefined : byId.get(success.Id);
      publish?.resolve(success.MessageId);
      if (success.Id !== undefined) byId.delete(success.Id);
    }
    const retry: PendingPublish[] = [];
    for (const failure of output.Failed ?? []) {
      const publish = failure.Id === undefined ? undefined : byId.get(failure.Id);
      if (!publish || failure.Id === undefined) continue;
      byId.delete(failure.Id);
      if (failure.SenderFault) {
        publish.reject(
          new PublishRejectedError('PUBLISH_REJECTED', `SNS refused event ${failure.Id}: ${failure.Code ?? 'error'} ${failure.Message ?? ''}`.trim(), {
            eventIds: [failure.Id],
          }),
        );
      } else {
        retry.push(publish);
      }
    }
    // An entry SNS neither confirmed nor refused was not published: try again.
    return [...retry, ...byId.values()];
  }
}

/**
 * Takes entries from the front while the batch stays within AWS limits and ids stay distinct; an
 * entry that does not fit this batch keeps its place for the next. Stops at a full batch, so a
 * long queue of publishes costs each batch its own entries, not a walk over the whole queue.
 */
function takeBatch(pending: PendingPublish[]): PendingPublish[] {
  const batch: PendingPublish[] = [];
  const skipped: PendingPublish[] = [];
  let bytes = 0;
  let index = 0;
  for (; index < pending.length && batch.length < MAX_PUBLISH_BATCH_ENTRIES; index += 1) {
    const publish = pending[index]!;
    const fits = bytes + publish.entry.size <= MAX_SNS_MESSAGE_BYTES && !batch.some((taken) => taken.entry.id === publish.entry.id);
    if (fits) {
      batch.push(publish);
      bytes += publish.entry.size;
    } else {
      skipped.push(publish);
    }
  }
  pending.splice(0, index, ...skipped);
  return batch;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
