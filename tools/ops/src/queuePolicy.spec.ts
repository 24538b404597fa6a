// Tests: snsMayDeliver (queue policy evaluation as IAM would).
import { deadLetterQueuePolicy, queuePolicy } from '@game-mesh/events';
import { describe, expect, it } from 'vitest';
import { snsMayDeliver } from './queuePolicy';

const queueArn = 'arn:aws:sqs:eu-west-1:123456789012:prod-sample-consumer';
const topicArn = 'arn:aws:sns:eu-west-1:123456789012:prod-weather';
const delivery = { queueArn, topicArn };
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = { Sid: 'Allow', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn } } };

describe('snsMayDeliver (queue policy evaluation as IAM would)', () => {
  it('admits the policy the topology applies, with its Deny statements', () => {
    expect(snsMayDeliver(JSON.stringify(queuePolicy(queueArn, [topicArn])), delivery)).toMatchObject({ ok: true });
  });

  it.each([
    ['no policy', undefined, /no policy/],
    ['a DLQ policy (no Allow)', JSON.stringify(deadLetterQueuePolicy(queueArn)), /no Allow statement/],
    ['an Allow for another topic', policy([{ ...allow, Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:123456789012:other' } } }]), /no Allow statement/],
    ['a Deny of everything', policy([allow, { Sid: 'Lockdown', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }]), /Lockdown denies/],
    ['a Deny of this topic', policy([allow, { Sid: 'NotWeather', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:SendMessage', Condition: { ArnLike: { 'aws:SourceArn': '*:prod-weather' } } }]), /NotWeather denies/],
    ['a Deny it cannot evaluate', policy([allow, { Sid: 'Odd', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }]), /Odd is a Deny with a condition doctor cannot evaluate/],
  ])('refuses %s', (_label, text, detail) => {
    const verdict = snsMayDeliver(text, delivery);
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(detail);
  });

  it('ignores a Deny that does not apply to SNS over TLS from this account', () => {
    const insecure = { Sid: 'TlsOnly', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: queueArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    expect(snsMayDeliver(policy([allow, insecure]), delivery)).toMatchObject({ ok: true });
  });
});
