// Reads a received SQS message: raw delivery or SNS's JSON envelope, its body and its trace
// context.
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

export interface IncomingMessage {
  /** The parsed envelope candidate (not yet validated). */
  body: unknown;
  traceparent: string | undefined;
  receiveCount: number;
  /** True when the message came wrapped in SNS's JSON envelope (raw delivery off). */
  snsEnvelope: boolean;
}

export type ReadResult = { ok: true; message: IncomingMessage } | { ok: false; code: 'MALFORMED_JSON'; reason: string };

interface SnsNotification {
  Type: 'Notification';
  Message: string;
  MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
}

/**
 * Reads an SQS message delivered from SNS, with raw delivery (the body is the envelope, the
 * attributes are SQS attributes) or without (the body is SNS's JSON notification around it).
 */
export function readIncomingMessage(message: Message): ReadResult {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  const parsed = parseJson(message.Body);
  if (!parsed.ok) return { ok: false, code: 'MALFORMED_JSON', reason: `Message body is not JSON: ${parsed.reason}` };
  if (isSnsNotification(parsed.value)) {
    const inner = parseJson(parsed.value.Message);
    if (!inner.ok) return { ok: false, code: 'MALFORMED_JSON', reason: `SNS notification's Message is not JSON: ${inner.reason}` };
    return {
      ok: true,
      message: { body: inner.value, traceparent: parsed.value.MessageAttributes?.['traceparent']?.Value, receiveCount, snsEnvelope: true },
    };
  }
  return {
    ok: true,
    message: { body: parsed.value, traceparent: stringAttribute(message.MessageAttributes?.['traceparent']), receiveCount, snsEnvelope: false },
  };
}

function stringAttribute(value: MessageAttributeValue | undefined): string | undefined {
  return value?.StringValue;
}

function isSnsNotification(value: unknown): value is SnsNotification {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return candidate['Type'] === 'Notification' && typeof candidate['Message'] === 'string' && typeof candidate['TopicArn'] === 'string';
}

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text === undefined) return { ok: false, reason: 'empty body' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
