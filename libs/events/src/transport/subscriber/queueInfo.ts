import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransportConfigError } from '../errors';
import { backoffDelayMs, delay, isRetryableError } from '../retry';

export interface QueueInfo {
  queueArn: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  deadLetterQueueUrl: string;
}

/**
 * Reads what the subscriber needs to know about its queue. A queue without a dead-letter queue is
 * refused: a message that can never be handled would otherwise be retried forever.
 */
export async function describeQueue(sqs: SQSClient, queueUrl: string, deadLetterQueueUrl?: string): Promise<QueueInfo> {
  let attributes: Record<string, string>;
  try {
    const output = await withRetries(() =>
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout', 'RedrivePolicy'] })),
    );
    attributes = output.Attributes ?? {};
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name.includes('QueueDoesNotExist') || name.includes('NonExistentQueue')) {
      throw new TransportConfigError('QUEUE_NOT_FOUND', `Queue ${queueUrl} does not exist; run the topology apply first`, { cause: error });
    }
    throw error;
  }
  const redrive = parseRedrivePolicy(attributes['RedrivePolicy']);
  if (!redrive) {
    throw new TransportConfigError('INVALID_OPTIONS', `Queue ${queueUrl} has no RedrivePolicy: give it a dead-letter queue (the topology apply does)`);
  }
  const dlqUrl = deadLetterQueueUrl ?? (await queueUrlFromArn(sqs, redrive.deadLetterTargetArn));
  return {
    queueArn: attributes['QueueArn'] ?? '',
    visibilityTimeoutSeconds: Number(attributes['VisibilityTimeout'] ?? '30'),
    maxReceiveCount: redrive.maxReceiveCount,
    deadLetterQueueUrl: dlqUrl,
  };
}

function parseRedrivePolicy(text: string | undefined): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (text === undefined || text === '') return undefined;
  const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  if (policy.deadLetterTargetArn === undefined || policy.maxReceiveCount === undefined) return undefined;
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount) };
}

async function queueUrlFromArn(sqs: SQSClient, arn: string): Promise<string> {
  const [, , , , account, name] = arn.split(':');
  if (name === undefined || account === undefined) throw new TransportConfigError('INVALID_OPTIONS', `Not a queue ARN: ${arn}`);
  const output = await withRetries(() => sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })));
  if (output.QueueUrl === undefined) throw new TransportConfigError('QUEUE_NOT_FOUND', `Dead-letter queue ${arn} not found`);
  return output.QueueUrl;
}

/** A service starting while the broker hiccups should not die of it: retry what is worth retrying. */
async function withRetries<T>(call: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryableError(error)) throw error;
      await delay(backoffDelayMs(attempt, 100, 2_000));
    }
  }
}
