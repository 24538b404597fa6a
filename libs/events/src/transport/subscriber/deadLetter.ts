// The copy of a message that goes to the DLQ: its attributes, with the reason added.
import { SendMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { bounded } from '../bounded';

/** The attribute that carries why a message was dead-lettered. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'deadLetterReason';
const MAX_REASON_LENGTH = 1_000;
/** SQS accepts at most 10 attributes; one is kept for the reason. */
const MAX_KEPT_ATTRIBUTES = 9;

/**
 * Copies a message to the dead-letter queue with its body, its attributes and the reason, so it
 * can be inspected and redriven. The caller deletes the original only after this resolved.
 */
export async function sendToDeadLetterQueue(sqs: SQSClient, deadLetterQueueUrl: string, message: Message, reason: string, timeoutMs: number): Promise<void> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {}).slice(0, MAX_KEPT_ATTRIBUTES)) {
    if (name === DEAD_LETTER_REASON_ATTRIBUTE || value.DataType === undefined) continue;
    attributes[name] = {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
    };
  }
  attributes[DEAD_LETTER_REASON_ATTRIBUTE] = { DataType: 'String', StringValue: reason.slice(0, MAX_REASON_LENGTH) };
  // A FIFO DLQ wants a group and a deduplication id: the message's own group, and its id.
  const group = message.Attributes?.['MessageGroupId'];
  const fifo = group === undefined ? {} : { MessageGroupId: group, MessageDeduplicationId: message.MessageId ?? reason.slice(0, 128) };
  const command = new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: message.Body ?? '', MessageAttributes: attributes, ...fifo });
  await bounded('SendMessage(DLQ)', timeoutMs, (abortSignal) => sqs.send(command, { abortSignal }));
}
