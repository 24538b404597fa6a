// Tests: readIncomingMessage.
import { describe, expect, it } from 'vitest';
import { readIncomingMessage } from './incomingMessage';

const envelope = { specversion: '1.0', id: 'x', type: 'a.b' };

describe('readIncomingMessage', () => {
  it('reads raw delivery: the body is the envelope, trace context from the SQS attribute', () => {
    const result = readIncomingMessage({
      Body: JSON.stringify(envelope),
      Attributes: { ApproximateReceiveCount: '3' },
      MessageAttributes: { traceparent: { DataType: 'String', StringValue: '00-abc' } },
    });
    expect(result).toEqual({ ok: true, message: { body: envelope, traceparent: '00-abc', receiveCount: 3, snsEnvelope: false } });
  });

  it('unwraps the SNS JSON notification when raw delivery is off', () => {
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Message: JSON.stringify(envelope),
      MessageAttributes: { traceparent: { Type: 'String', Value: '00-def' } },
    });
    expect(readIncomingMessage({ Body: body })).toEqual({ ok: true, message: { body: envelope, traceparent: '00-def', receiveCount: 1, snsEnvelope: true } });
  });

  it('does not mistake an envelope with a Type field for an SNS notification', () => {
    const lookalike = { Type: 'Notification', Message: 'not from SNS' };
    expect(readIncomingMessage({ Body: JSON.stringify(lookalike) })).toMatchObject({ ok: true, message: { body: lookalike, snsEnvelope: false } });
  });

  it.each([
    ['bad JSON', { Body: '{nope' }, /Message body is not JSON/],
    ['no body', {}, /empty body/],
    ['bad inner JSON', { Body: JSON.stringify({ Type: 'Notification', TopicArn: 'arn', Message: '{' }) }, /SNS notification's Message is not JSON/],
  ])('refuses %s as MALFORMED_JSON', (_label, message, reason) => {
    expect(readIncomingMessage(message)).toMatchObject({ ok: false, code: 'MALFORMED_JSON', reason: expect.stringMatching(reason) });
  });
});
