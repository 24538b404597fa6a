// One PublishBatch request, bounded by a timeout.
import { PublishBatchCommand, type PublishBatchCommandOutput, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { MAX_PUBLISH_BATCH_ENTRIES, MAX_SNS_MESSAGE_BYTES, messageSize, type StringAttributes } from '../attributes';
import { bounded } from '../bounded';
import { PublishRejectedError } from '../errors';

export interface BatchEntry {
  /** Entry id within the batch; the event id. */
  id: string;
  body: string;
  attributes: StringAttributes;
  /** The bytes SNS counts ({@link messageSize}), when the caller has them already. */
  size?: number;
  /** For a FIFO topic: the message group (the event id is then its deduplication id). */
  groupId?: string;
}

/** AWS's rule for a MessageGroupId (emulators accept anything): 1-128 of letters, digits and punctuation. */
export const MESSAGE_GROUP_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * AWS refuses a PublishBatch with more than 10 entries, more than 256 KiB in total or repeated
 * ids; emulators accept all three. Checked here so a mistake fails on the laptop, not in AWS.
 */
export function assertPublishBatchLimits(entries: readonly BatchEntry[]): void {
  const ids = entries.map((entry) => entry.id);
  if (entries.length === 0 || entries.length > MAX_PUBLISH_BATCH_ENTRIES) {
    throw new PublishRejectedError(
      'BATCH_LIMIT_EXCEEDED',
      `PublishBatch takes 1 to ${MAX_PUBLISH_BATCH_ENTRIES} entries; got ${entries.length}`,
      { eventIds: ids },
    );
  }
  const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (duplicates.length > 0) {
    throw new PublishRejectedError('BATCH_LIMIT_EXCEEDED', `PublishBatch entry ids must be distinct; repeated: ${[...new Set(duplicates)].join(', ')}`, {
      eventIds: ids,
    });
  }
  const total = entries.reduce((sum, entry) => sum + (entry.size ?? messageSize(entry.body, entry.attributes)), 0);
  if (total > MAX_SNS_MESSAGE_BYTES) {
    throw new PublishRejectedError(
      'BATCH_LIMIT_EXCEEDED',
      `PublishBatch payload is ${total} bytes; SNS allows ${MAX_SNS_MESSAGE_BYTES} in total`,
      { eventIds: ids },
    );
  }
}

/** Sends one PublishBatch after checking the limits AWS enforces; no answer within `timeoutMs` is a (retryable) timeout. */
export async function sendPublishBatch(sns: SNSClient, topicArn: string, entries: readonly BatchEntry[], timeoutMs: number): Promise<PublishBatchCommandOutput> {
  assertPublishBatchLimits(entries);
  const requestEntries: PublishBatchRequestEntry[] = entries.map((entry) => ({
    Id: entry.id,
    Message: entry.body,
    MessageAttributes: entry.attributes,
    // A publish retried within five minutes (a timeout whose request did land) arrives once.
    ...(entry.groupId === undefined ? {} : { MessageGroupId: entry.groupId, MessageDeduplicationId: entry.id }),
  }));
  const command = new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: requestEntries });
  return bounded('PublishBatch', timeoutMs, (abortSignal) => sns.send(command, { abortSignal }));
}
