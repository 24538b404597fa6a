// Approximate depths of a service's queues, for /metrics and the live page.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

/** Approximate depth of each named queue URL, from GetQueueAttributes. */
export async function queueDepths(sqs: SQSClient, queues: Readonly<Record<string, string>>): Promise<Record<string, QueueDepth>> {
  const entries = await Promise.all(
    Object.entries(queues).map(async ([name, url]) => {
      const output = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      const attributes = output.Attributes ?? {};
      return [name, { visible: Number(attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
