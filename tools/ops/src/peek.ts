// peek: messages of a queue, shown and left in place.
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { queueUrl, resolveQueueName, type OpsContext } from './context';
import { decodeMessage, type DecodedMessage } from './decode';

/**
 * Shows up to `max` messages without consuming them: each is received, then made visible again at
 * once (ChangeMessageVisibility 0). Receiving counts towards ApproximateReceiveCount, so peeking
 * a message often moves it closer to its queue's maxReceiveCount.
 */
export async function peek(context: OpsContext, queue: string, options: { max: number; json: boolean }): Promise<DecodedMessage[]> {
  const name = resolveQueueName(context.topology, queue);
  const url = await queueUrl(context.sqs, name);
  const seen = new Map<string, Message>();
  try {
    while (seen.size < options.max) {
      const output = await context.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, options.max - seen.size),
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      const fresh = (output.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId ?? '', message);
    }
  } finally {
    await release(context, url, [...seen.values()]);
  }
  const decoded = [...seen.values()].map(decodeMessage);
  if (options.json) context.out(JSON.stringify(decoded, null, 2));
  else {
    context.out(`${name}: ${decoded.length} message(s) shown, all visible again`);
    for (const m of decoded) {
      context.out(`${m.valid ? '✓' : '✗'} ${m.summary}  (received ${m.receiveCount}×, sent ${m.sentAt ?? '?'})${m.deadLetterReason ? `\n    dead-lettered: ${m.deadLetterReason}` : ''}`);
      context.out(`    ${JSON.stringify(m.body)}`);
    }
  }
  return decoded;
}

async function release(context: OpsContext, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    await context.sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: batch.map((m, index) => ({ Id: `m${index}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })) }),
    );
  }
}
