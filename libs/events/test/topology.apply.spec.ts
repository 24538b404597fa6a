// Tests: applyTopology against fauxqs.
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, TagQueueCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTopology, CLOUDFORMATION_STACK_TAG, ContractError, resolveTopology, TransportConfigError, type ResolvedTopology } from '../src';
import { countRequests } from '../src/testing';
import { startMesh, testTopology, type Mesh, type TestEvents } from './mesh';

describe('applyTopology against fauxqs', () => {
  let mesh: Mesh<TestEvents>;
  let topology: ResolvedTopology;
  beforeEach(async () => {
    mesh = await startMesh(testTopology);
    topology = resolveTopology(testTopology, { prefix: 'test' });
  });
  afterEach(() => mesh.stop());
  const apply = () => applyTopology({ sns: mesh.broker.sns, sqs: mesh.broker.sqs, topology });

  it('created everything the first time and changes nothing the second time', async () => {
    const created = mesh.report.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);
    expect(created).toContain('created topic test-scores');
    expect(created).toContain('created dead-letter-queue test-board-dlq');
    expect(created).toContain('created subscription scores → test-alerts');
    expect(mesh.report.changes.every((c) => c.action === 'created')).toBe(true);
    const again = await apply();
    expect(again.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    expect(again.environment).toEqual(mesh.report.environment);
  });

  it('gives every queue and DLQ the one policy CDK also deploys: own topics only, no other account, TLS only', async () => {
    const policy = async (url: string) => JSON.parse((await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes?.['Policy'] ?? '{}') as { Statement: { Sid: string }[] };
    expect((await policy(mesh.queueUrl('board'))).Statement.map((s) => s.Sid)).toEqual(['AllowOwnTopicsOnly', 'DenyOtherAccounts', 'DenyInsecureTransport']);
    expect((await policy(mesh.dlqUrl('board'))).Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
  });

  it('refuses, changing nothing, when a queue belongs to a CloudFormation (CDK) stack', async () => {
    const { sqs } = mesh.broker;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: mesh.queueUrl('board'), Attributes: { VisibilityTimeout: '7' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl: mesh.queueUrl('board'), Tags: { [CLOUDFORMATION_STACK_TAG]: 'GameMesh-test-messaging' } }));
    const error = await apply().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportConfigError);
    expect((error as Error).message).toMatch(/test-board \(stack GameMesh-test-messaging\).*cdk deploy/);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: mesh.queueUrl('board'), AttributeNames: ['VisibilityTimeout'] }));
    expect(Attributes?.['VisibilityTimeout']).toBe('7');
  });

  it('corrects drifted queue and subscription attributes, and removes a subscription nobody declared', async () => {
    const { sns, sqs } = mesh.broker;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: mesh.queueUrl('board'), Attributes: { VisibilityTimeout: '5', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:test-board-dlq', maxReceiveCount: 99 }) } }));
    const topicArn = mesh.report.topicArns['scores']!;
    const alerts = mesh.report.queues.find((q) => q.service === 'alerts')!;
    const subscriptions = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    const alertSubscription = subscriptions.find((s) => s.Endpoint === alerts.arn)!.SubscriptionArn!;
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: alertSubscription, AttributeName: 'FilterPolicy', AttributeValue: JSON.stringify({ type: ['score.changed'] }) }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: alertSubscription, AttributeName: 'RawMessageDelivery', AttributeValue: 'false' }));
    const stats = mesh.report.queues.find((q) => q.service === 'stats')!;
    // stats does not read match.ended: a subscription from that topic is drift to remove.
    const matchesArn = mesh.report.topicArns['matches']!;
    await sns.send(new SubscribeCommand({ TopicArn: matchesArn, Protocol: 'sqs', Endpoint: stats.arn }));

    const report = await apply();
    const changed = report.changes.filter((c) => c.action !== 'unchanged');
    expect(changed).toContainEqual({ action: 'updated', kind: 'queue', name: 'test-board', attributes: ['VisibilityTimeout', 'RedrivePolicy'] });
    expect(changed).toContainEqual({ action: 'updated', kind: 'subscription', name: 'scores → test-alerts', attributes: ['RawMessageDelivery', 'FilterPolicy'] });
    expect(changed).toContainEqual({ action: 'deleted', kind: 'subscription', name: 'matches → test-stats' });
    expect(changed).toHaveLength(3);

    const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: mesh.queueUrl('board'), AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }));
    expect(queue.Attributes?.['VisibilityTimeout']).toBe('30');
    expect(JSON.parse(queue.Attributes?.['RedrivePolicy'] ?? '{}')).toMatchObject({ maxReceiveCount: 3 });
    const filter = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: alertSubscription }));
    expect(JSON.parse(filter.Attributes?.['FilterPolicy'] ?? '{}')).toEqual({ type: ['score.changed'], points: [{ numeric: ['>=', 100] }] });
    const strayLeft = ((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: matchesArn }))).Subscriptions ?? []).filter((s) => s.Endpoint === stats.arn);
    expect(strayLeft).toEqual([]);

    const third = await apply();
    expect(third.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
  });

  it('refuses an invalid filter policy before any request, although the emulator would accept it', async () => {
    const invalid = { 'points': [{ numeric: ['>=', 'high'] }], a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'] };
    // fauxqs stores what AWS would refuse (6 keys, a string as number).
    const accepted = await mesh.broker.sns.send(
      new SubscribeCommand({ TopicArn: mesh.report.topicArns['scores'], Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:test-nowhere', Attributes: { FilterPolicy: JSON.stringify(invalid) }, ReturnSubscriptionArn: true }),
    );
    expect(accepted.SubscriptionArn).toMatch(/^arn:/);

    const { sns, sqs } = mesh.broker.clients();
    const snsRequests = countRequests(sns);
    const sqsRequests = countRequests(sqs);
    const broken: ResolvedTopology = { ...topology, queues: topology.queues.map((q) => (q.service === 'alerts' ? { ...q, subscriptions: [{ topicKey: 'scores', filterPolicy: invalid as never }] } : q)) };
    const error = await applyTopology({ sns, sqs, topology: broken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toContain('test-alerts ← scores: (root): 6 keys; SNS allows at most 5');
    expect((error as Error).message).toContain('points[0].numeric[1]: must be a number');
    expect(snsRequests.total() + sqsRequests.total()).toBe(0);
  });
});
