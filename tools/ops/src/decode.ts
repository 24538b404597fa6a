// Decodes a message for peek and tail: its envelope, checked, and a one-line summary.
import type { Message } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE, decodeEnvelope, gameEvents } from '@game-mesh/events';

export interface DecodedMessage {
  messageId: string;
  receiveCount: number;
  sentAt: string | undefined;
  valid: boolean;
  /** `type vN id` when valid, or why it is not. */
  summary: string;
  deadLetterReason: string | undefined;
  body: unknown;
}

/** Decodes and validates one SQS message against the contract, never throwing. */
export function decodeMessage(message: Message): DecodedMessage {
  let body: unknown = message.Body;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    // shown as it is
  }
  const result = decodeEnvelope(gameEvents, body);
  const sent = message.Attributes?.SentTimestamp;
  return {
    messageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
    valid: result.ok,
    summary: result.ok ? `${result.envelope.type} v${result.sourceVersion} ${result.envelope.id}` : `${result.code}: ${result.reason}`,
    deadLetterReason: message.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue,
    body,
  };
}
