// What start() reads of a queue: its visibility timeout, its redrive policy and DLQ; refuses a
// queue without one.
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { bounded } from '../bounded';
import { BrokerUnavailableError, TransportConfigError } from '../errors';
import { backoffDelayMs, delay, isRetryableError } from '../retry';

export interface QueueInfo {
  queueArn: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  deadLetterQueueUrl: string;
  /** A FIFO queue: messages of one group are handled one at a time, in order. */
  fifo: boolean;
}

/** The shortest visibility timeout a heartbeat can keep alive (three beats per timeout). */
export const MIN_VISIBILITY_TIMEOUT_SECONDS = 2;

/**
 * Reads what the subscriber needs to know about its queue. A queue without a dead-letter queue is
 * refused (a message that can never be handled would be retried for ever), and so is one whose
 * visibility timeout is too short for a heartbeat to keep a slow handler's message hidden. A
 * broker that does not answer within `deadlineMs` (each call bounded by `requestTimeoutMs`) gives
 * a {@link BrokerUnavailableError} naming the queue.
 */
export async function describeQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { deadLetterQueueUrl?: string | undefined; requestTimeoutMs: number; deadlineMs: number },
): Promise<QueueInfo> {
  const deadline = Date.now() + options.deadlineMs;
  const call = <T>(operation: string, send: (timeoutMs: number) => Promise<T>): Promise<T> => withRetries(queueUrl, operation, send, deadline, options.requestTimeoutMs);
  let attributes: Record<string, string>;
  try {
    const command = new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout', 'RedrivePolicy', 'FifoQueue'] });
    const output = await call('GetQueueAttributes', (timeoutMs) => bounded('GetQueueAttributes', timeoutMs, (abortSignal) => sqs.send(command, { abortSignal })));
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
  const visibilityTimeoutSeconds = Number(attributes['VisibilityTimeout'] ?? '30');
  if (!(visibilityTimeoutSeconds >= MIN_VISIBILITY_TIMEOUT_SECONDS)) {
    throw new TransportConfigError(
      'INVALID_OPTIONS',
      `Queue ${queueUrl} has VisibilityTimeout ${visibilityTimeoutSeconds} s; it must be at least ${MIN_VISIBILITY_TIMEOUT_SECONDS} s so a heartbeat can keep a message hidden while it is handled`,
    );
  }
  const dlqUrl = options.deadLetterQueueUrl ?? (await queueUrlFromArn(sqs, redrive.deadLetterTargetArn, (op, send) => call(op, send)));
  const fifo = attributes['FifoQueue'] === 'true' || queueUrl.endsWith('.fifo');
  return { queueArn: attributes['QueueArn'] ?? '', visibilityTimeoutSeconds, maxReceiveCount: redrive.maxReceiveCount, deadLetterQueueUrl: dlqUrl, fifo };
}

function parseRedrivePolicy(text: string | undefined): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (text === undefined || text === '') return undefined;
  const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  if (policy.deadLetterTargetArn === undefined || policy.maxReceiveCount === undefined) return undefined;
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount) };
}

async function queueUrlFromArn(
  sqs: SQSClient,
  arn: string,
  call: <T>(operation: string, send: (timeoutMs: number) => Promise<T>) => Promise<T>,
): Promise<string> {
  const [, , , , account, name] = arn.split(':');
  if (name === undefined || account === undefined) throw new TransportConfigError('INVALID_OPTIONS', `Not a queue ARN: ${arn}`);
  const command = new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account });
  const output = await call('GetQueueUrl', (timeoutMs) => bounded('GetQueueUrl', timeoutMs, (abortSignal) => sqs.send(command, { abortSignal })));
  if (output.QueueUrl === undefined) throw new TransportConfigError('QUEUE_NOT_FOUND', `Dead-letter queue ${arn} not found`);
  return output.QueueUrl;
}

/**
 * A service starting while the broker hiccups should not die of it, nor wait past its deadline:
 * each call gets `requestTimeoutMs` or what is left of the deadline, whichever is less.
 */
async function withRetries<T>(queueUrl: string, operation: string, call: (timeoutMs: number) => Promise<T>, deadline: number, requestTimeoutMs: number): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now())));
    } catch (error) {
      if (!isRetryableError(error)) throw error;
      const wait = backoffDelayMs(attempt, 100, 2_000);
      if (Date.now() + wait >= deadline) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new BrokerUnavailableError('BROKER_UNAVAILABLE', `Queue ${queueUrl}: ${operation} did not succeed before the start deadline (${attempt} attempts; last: ${detail})`, { cause: error });
      }
      await delay(wait);
    }
  }
}
