// tail: live events through a temporary queue, removed on exit.
import { randomBytes } from 'node:crypto';
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { gameEvents, getEventType, queuePolicy } from '@game-mesh/events';
import { topicArnsByName, type OpsContext } from './context';
import { decodeMessage, type DecodedMessage } from './decode';

export interface TailOptions {
  /** Stop after this many events. */
  max?: number;
  signal: AbortSignal;
  json: boolean;
  /** Called once the temporary queue is subscribed (tests publish then). */
  onReady?: (queueName: string) => void;
}

/**
 * Watches live events of the given types through a temporary queue subscribed to their topics,
 * removed again on exit — after `max` events, on Ctrl-C (the signal), or on an error.
 */
export async function tail(context: OpsContext, types: readonly string[], options: TailOptions): Promise<DecodedMessage[]> {
  const byTopic = new Map<string, string[]>();
  for (const type of types) {
    const topicKey = getEventType(gameEvents, type).topic;
    byTopic.set(topicKey, [...(byTopic.get(topicKey) ?? []), type]);
  }
  const arns = await topicArnsByName(context.sns);
  const topicArns = [...byTopic.keys()].map((key) => {
    const name = context.topology.topics.find((t) => t.key === key)?.name ?? key;
    const arn = arns.get(name);
    if (!arn) throw new Error(`topic ${name} does not exist; run npm run topology`);
    return { key, arn };
  });
  const queueName = `${context.topology.prefix}-tail-${randomBytes(4).toString('hex')}`;
  const created = await context.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: { MessageRetentionPeriod: '300' } }));
  const url = created.QueueUrl ?? '';
  const subscriptions: string[] = [];
  const seen: DecodedMessage[] = [];
  try {
    const queueArn = (await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    await context.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(queuePolicy(queueArn, topicArns.map((t) => t.arn))) } }));
    for (const { key, arn } of topicArns) {
      const output = await context.sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: queueArn, ReturnSubscriptionArn: true, Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: byTopic.get(key) }) } }),
      );
      if (output.SubscriptionArn) subscriptions.push(output.SubscriptionArn);
    }
    if (!options.json) context.err(`tailing ${types.join(', ')} through temporary queue ${queueName} (Ctrl-C to stop)`);
    options.onReady?.(queueName);
    while (!options.signal.aborted && (options.max === undefined || seen.length < options.max)) {
      const output = await context.sqs
        .send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'] }), { abortSignal: options.signal })
        .catch((error: unknown) => {
          if (options.signal.aborted) return { Messages: [] };
          throw error;
        });
      const messages = output.Messages ?? [];
      for (const message of messages) {
        const decoded = decodeMessage(message);
        seen.push(decoded);
        context.out(options.json ? JSON.stringify(decoded.body) : `${new Date().toISOString().slice(11, 23)} ${decoded.valid ? '' : '✗ '}${decoded.summary} ${JSON.stringify((decoded.body as { data?: unknown }).data ?? decoded.body)}`);
      }
      if (messages.length > 0) {
        await context.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })) }));
      }
    }
  } finally {
    for (const arn of subscriptions) await context.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })).catch(() => undefined);
    await context.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    if (!options.json) context.err(`removed ${queueName} and its subscriptions`);
  }
  return seen;
}
