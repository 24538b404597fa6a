// Queue and topic attributes and policies, and alarm thresholds: shared by applyTopology and the
// CDK stacks.
import type { ResolvedQueue } from './defineTopology';

/** Attributes `apply()` manages; anything else on a resource is left as it is. */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600; // 14 days, the SQS maximum
export const QUEUE_RETENTION_SECONDS = 345_600; // 4 days, the SQS default
export const RECEIVE_WAIT_SECONDS = 20;

/**
 * Every alarm's threshold, in one place: the CloudWatch alarms (CDK), the Prometheus rules of the
 * compose stack (tools/prometheus/alerts.yml, generated from these by `npm run services`) and
 * `doctor` read them. Of the queues (SQS's metrics): depth, visible messages; age, the oldest
 * message; deadLetters, messages in a DLQ; deliveryFailurePercent, SNS → SQS deliveries that failed.
 * Of the services (their /metrics, scraped on ECS by the collector beside each task):
 * deadLettered, events a service sent to its DLQ in one minute, alarmed per reason;
 * handlerFailures, handler failures in five minutes; publishFailurePercent, publishes that did
 * not reach SNS over five minutes.
 */
export const ALARM_THRESHOLDS = {
  queueDepth: 1_000,
  oldestMessageSeconds: 300,
  deadLetters: 0,
  deliveryFailurePercent: 1,
  deadLettered: 0,
  handlerFailures: 10,
  publishFailurePercent: 1,
} as const;

export function deadLetterQueueAttributes(deadLetterArn: string): Record<string, string> {
  return { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS), SqsManagedSseEnabled: 'true', Policy: JSON.stringify(deadLetterQueuePolicy(deadLetterArn)) };
}

export function queueAttributes(queue: ResolvedQueue, queueArn: string, deadLetterArn: string, topicArns: readonly string[]): Record<string, string> {
  return {
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
    ReceiveMessageWaitTimeSeconds: String(RECEIVE_WAIT_SECONDS),
    SqsManagedSseEnabled: 'true',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: queue.maxReceiveCount }),
    Policy: JSON.stringify(queuePolicy(queueArn, topicArns)),
    // FIFO high-throughput mode: deduplication and the throughput quota per message group.
    ...(queue.fifo ? FIFO_QUEUE_ATTRIBUTES : {}),
  };
}

/** What a FIFO queue gets beyond a standard one (FifoQueue itself is set when it is created). */
export const FIFO_QUEUE_ATTRIBUTES = { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } as const;

/** What a FIFO topic is created with: deduplication ids come from the publisher (the event id). */
export const FIFO_TOPIC_ATTRIBUTES = { FifoTopic: 'true', ContentBasedDeduplication: 'false' } as const;

/**
 * The one queue policy, for `applyTopology` and for CDK alike: only SNS, and only for our own
 * topics, may send (`aws:SourceArn`); no AWS service of another account may send; nothing over
 * plain HTTP. `account` defaults to the one in the queue's ARN (CDK passes its token).
 */
export function queuePolicy(queueArn: string, topicArns: readonly string[], account: string = queueArn.split(':')[4] ?? ''): object {
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
      {
        Sid: 'DenyOtherAccounts',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { StringNotEquals: { 'aws:SourceAccount': account }, Bool: { 'aws:PrincipalIsAWSService': 'true' } },
      },
      denyInsecureTransport(queueArn),
    ],
  };
}

/** A DLQ takes copies from its consumer (IAM) and moves from RedrivePolicy; only TLS. */
export function deadLetterQueuePolicy(queueArn: string): object {
  return { Version: '2012-10-17', Statement: [denyInsecureTransport(queueArn)] };
}

function denyInsecureTransport(queueArn: string): object {
  return { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: queueArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
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
