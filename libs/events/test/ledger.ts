// For tests: a ledger of event ids published against handled, dead-lettered and still queued.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** What the handlers did, per event id: a test's ledger of ids published vs ids applied. */
export class Ledger {
  readonly effects = new Map<string, number>();

  apply(id: string): void {
    this.effects.set(id, (this.effects.get(id) ?? 0) + 1);
  }

  missing(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.effects.has(id));
  }

  appliedTwice(): string[] {
    return [...this.effects].filter(([, count]) => count > 1).map(([id]) => id);
  }
}

/** Messages on a queue: waiting, and held by some consumer (in flight). */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.['ApproximateNumberOfMessages'] ?? 0), inFlight: Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
}

/** Records, per SQS message id, how many times ReceiveMessage handed it to this client. */
export function countDeliveries(sqs: SQSClient): Map<string, number> {
  const deliveries = new Map<string, number>();
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        const output = result.output as { Messages?: { MessageId?: string }[] };
        for (const message of output.Messages ?? []) deliveries.set(message.MessageId ?? '', (deliveries.get(message.MessageId ?? '') ?? 0) + 1);
      }
      return result;
    },
    { step: 'initialize', name: 'countDeliveries' },
  );
  return deliveries;
}
