import type { ResolvedQueue } from './declaration';

/** Attributes `apply()` manages; anything else on a resource is left as it is. */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600; // 14 days, the SQS maximum
export const QUEUE_RETENTION_SECONDS = 345_600; // 4 days, the SQS default

export function deadLetterQueueAttributes(): Record<string, string> {
  return { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS), SqsManagedSseEnabled: 'true' };
}

export function queueAttributes(queue: ResolvedQueue, queueArn: string, deadLetterArn: string, topicArns: readonly string[]): Record<string, string> {
  return {
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
    ReceiveMessageWaitTimeSeconds: '20',
    SqsManagedSseEnabled: 'true',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: queue.maxReceiveCount }),
    Policy: JSON.stringify(queuePolicy(queueArn, topicArns)),
  };
}

/** Only SNS, and only for our own topics, may send to the queue (`aws:SourceArn`). */
export function queuePolicy(queueArn: string, topicArns: readonly string[]): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowOwnTopicsOnly',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': [...topicArns].sort() } },
      },
    ],
  };
}

/**
 * Compares attribute values as AWS stores them: JSON documents by content (key order, numbers
 * given as strings and one-element lists do not count as drift), everything else as text.
 */
export function sameAttributeValue(actual: string | undefined, desired: string): boolean {
  if (actual === desired) return true;
  if (actual === undefined) return false;
  const a = parseJson(actual);
  const d = parseJson(desired);
  if (a === undefined || d === undefined) return false;
  return canonical(a) === canonical(d);
}

function parseJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length === 1 ? (items[0] ?? '') : `[${items.join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(String(value));
}
