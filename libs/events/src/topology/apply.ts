// applyTopology: creates what is missing, corrects what drifted and removes stale subscriptions, on
// an emulator or AWS.
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueueTagsCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransportConfigError } from '../transport/errors';
import { ContractError } from '../contract/errors';
import { deadLetterQueueAttributes, FIFO_TOPIC_ATTRIBUTES, queueAttributes, sameAttributeValue } from './awsAttributes';
import type { ResolvedQueue, ResolvedTopology } from './defineTopology';
import { serviceEnvironment } from './environment';
import { listTopicArns } from './listTopics';
import { validateFilterPolicy } from './filterPolicy';

export interface ApplyOptions {
  sns: SNSClient;
  sqs: SQSClient;
  topology: ResolvedTopology;
  /** KMS key for topic encryption at rest. @defaultValue 'alias/aws/sns' */
  topicKmsKeyId?: string;
  /**
   * Queues a CloudFormation (CDK) stack manages are refused: their desired state is the stack's,
   * and a change made here would drift from it until the next deploy undid it. @defaultValue false
   */
  allowCloudFormationManaged?: boolean;
}

export type ResourceKind = 'topic' | 'queue' | 'dead-letter-queue' | 'subscription';

export interface ApplyChange {
  action: 'created' | 'updated' | 'unchanged' | 'deleted';
  kind: ResourceKind;
  name: string;
  /** For `updated`: which attributes drifted. */
  attributes?: string[];
}

export interface AppliedQueue {
  service: string;
  key: string;
  url: string;
  arn: string;
  deadLetterUrl: string;
  deadLetterArn: string;
}

export interface ApplyReport {
  changes: ApplyChange[];
  topicArns: Record<string, string>;
  queues: AppliedQueue[];
  /** Environment variables each service needs, by service name. */
  environment: Record<string, Record<string, string>>;
  /** What the endpoint could not do (an emulator without SSE, say); empty on AWS. */
  warnings: string[];
}

/** Attributes the endpoint refused as unknown; emulators lack some that AWS has. */
interface EndpointSupport {
  unsupported: Set<string>;
  warnings: string[];
}

/**
 * Makes the broker match the topology: creates what is missing, corrects attributes that drifted,
 * removes subscriptions between our topics and queues that are no longer declared, and reports
 * each step. Safe to run again and again, against fauxqs, LocalStack or AWS.
 */
export async function applyTopology(options: ApplyOptions): Promise<ApplyReport> {
  const { sns, sqs, topology } = options;
  const problems = topology.queues.flatMap((queue) =>
    queue.subscriptions.flatMap((s) => validateFilterPolicy(s.filterPolicy).map((p) => `${queue.name} ← ${s.topicKey}: ${p}`)),
  );
  if (problems.length > 0) throw new ContractError('CATALOG_INVALID', `Invalid filter policies, nothing applied:\n- ${problems.join('\n- ')}`);

  if (options.allowCloudFormationManaged !== true) await refuseCloudFormationManaged(sqs, topology);

  const changes: ApplyChange[] = [];
  const existingTopics = await listTopicArns(sns);
  const topicArns: Record<string, string> = {};
  for (const topic of topology.topics) {
    const existed = existingTopics.some((arn) => arn.endsWith(`:${topic.name}`));
    const created = await sns.send(new CreateTopicCommand({ Name: topic.name, ...(topic.fifo ? { Attributes: { ...FIFO_TOPIC_ATTRIBUTES } } : {}) }));
    const arn = required(created.TopicArn, `TopicArn of ${topic.name}`);
    topicArns[topic.key] = arn;
    const drifted = await reconcile(
      { KmsMasterKeyId: options.topicKmsKeyId ?? 'alias/aws/sns' },
      async () => (await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ?? {},
      async (name, value) => void (await sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: name, AttributeValue: value }))),
    );
    changes.push(change(existed, drifted, 'topic', topic.name));
  }

  const queues: AppliedQueue[] = [];
  const support: EndpointSupport = { unsupported: new Set(), warnings: [] };
  for (const queue of topology.queues) {
    const deadLetter = await ensureQueue(sqs, support, queue.deadLetterQueueName, (dlqArn) => deadLetterQueueAttributes(dlqArn), queue.fifo);
    changes.push({ ...deadLetter.change, kind: 'dead-letter-queue' });
    const topicsOfQueue = queue.subscriptions.map((s) => required(topicArns[s.topicKey], `topic ${s.topicKey}`));
    const main = await ensureQueue(sqs, support, queue.name, (queueArn) => queueAttributes(queue, queueArn, deadLetter.arn, topicsOfQueue), queue.fifo);
    changes.push(main.change);
    queues.push({ service: queue.service, key: queue.key, url: main.url, arn: main.arn, deadLetterUrl: deadLetter.url, deadLetterArn: deadLetter.arn });
  }

  for (const [topicKey, topicArn] of Object.entries(topicArns)) {
    changes.push(...(await reconcileSubscriptions(sns, topicArn, topicKey, topology.queues, queues)));
  }
  return { changes, topicArns, queues, environment: serviceEnvironment(topology, topicArns, queues), warnings: support.warnings };
}

async function ensureQueue(
  sqs: SQSClient,
  support: EndpointSupport,
  name: string,
  desired: (queueArn: string) => Record<string, string>,
  fifo: boolean,
): Promise<{ url: string; arn: string; change: ApplyChange }> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (!(error instanceof Error) || !/QueueDoesNotExist|NonExistentQueue/.test(error.name)) throw error;
  }
  const existed = url !== undefined;
  // FifoQueue is fixed at creation (and the name ends in .fifo).
  url ??= required((await sqs.send(new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }))).QueueUrl, `QueueUrl of ${name}`);
  const queueUrl = url;
  const current: Record<string, string> = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
  const arn = required(current['QueueArn'], `QueueArn of ${name}`);
  const wanted = desired(arn);
  let drifted = driftedKeys(current, wanted, support);
  while (drifted.length > 0) {
    try {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: Object.fromEntries(drifted.map((key) => [key, wanted[key] ?? ''])) }));
      break;
    } catch (error) {
      const refused = unknownAttribute(error, drifted);
      if (refused === undefined) throw error;
      support.unsupported.add(refused);
      support.warnings.push(`${refused} is not supported by this endpoint and was skipped (AWS supports it)`);
      drifted = driftedKeys(current, wanted, support);
    }
  }
  return { url: queueUrl, arn, change: change(existed, drifted, 'queue', name) };
}

function driftedKeys(current: Record<string, string>, wanted: Record<string, string>, support: EndpointSupport): string[] {
  return Object.keys(wanted).filter((key) => !support.unsupported.has(key) && !sameAttributeValue(current[key], wanted[key] ?? ''));
}

/** The attribute an `InvalidAttributeName` error names, when it is one of ours. */
function unknownAttribute(error: unknown, candidates: readonly string[]): string | undefined {
  if (!(error instanceof Error) || !/InvalidAttributeName/.test(error.name)) return undefined;
  return candidates.find((name) => error.message.includes(name));
}

async function reconcileSubscriptions(
  sns: SNSClient,
  topicArn: string,
  topicKey: string,
  declared: readonly ResolvedQueue[],
  applied: readonly AppliedQueue[],
): Promise<ApplyChange[]> {
  const changes: ApplyChange[] = [];
  const existing = await listSubscriptions(sns, topicArn);
  for (const [index, queue] of declared.entries()) {
    const target = applied[index];
    if (!target) continue;
    const wanted = queue.subscriptions.find((s) => s.topicKey === topicKey);
    const matching = existing.filter((s) => s.Protocol === 'sqs' && s.Endpoint === target.arn && isConfirmed(s.SubscriptionArn));
    const name = `${topicKey} → ${queue.name}`;
    // Extra copies would deliver every event twice; undeclared pairs would deliver unwanted types.
    for (const stale of wanted ? matching.slice(1) : matching) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: stale.SubscriptionArn }));
      changes.push({ action: 'deleted', kind: 'subscription', name });
    }
    if (!wanted) continue;
    const desired = { RawMessageDelivery: 'true', FilterPolicyScope: 'MessageAttributes', FilterPolicy: JSON.stringify(wanted.filterPolicy) };
    const first = matching[0];
    if (!first?.SubscriptionArn) {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: target.arn, Attributes: desired, ReturnSubscriptionArn: true }));
      changes.push({ action: 'created', kind: 'subscription', name });
      continue;
    }
    const subscriptionArn = first.SubscriptionArn;
    const drifted = await reconcile(
      desired,
      async () => {
        const attributes = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes ?? {};
        return { FilterPolicyScope: 'MessageAttributes', ...attributes };
      },
      async (attributeName, value) => void (await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: attributeName, AttributeValue: value }))),
    );
    changes.push(change(true, drifted, 'subscription', name));
  }
  return changes;
}

/** Sets each desired attribute whose current value differs; returns their names. */
async function reconcile(
  desired: Record<string, string>,
  read: () => Promise<Record<string, string>>,
  write: (name: string, value: string) => Promise<void>,
): Promise<string[]> {
  const current = await read();
  const drifted = Object.keys(desired).filter((key) => !sameAttributeValue(current[key], desired[key] ?? ''));
  for (const key of drifted) await write(key, desired[key] ?? '');
  return drifted;
}

function change(existed: boolean, drifted: string[], kind: ResourceKind, name: string): ApplyChange {
  if (!existed) return { action: 'created', kind, name };
  return drifted.length > 0 ? { action: 'updated', kind, name, attributes: drifted } : { action: 'unchanged', kind, name };
}

async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(token === undefined ? {} : { NextToken: token }) }));
    subscriptions.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return subscriptions;
}

function isConfirmed(arn: string | undefined): boolean {
  return arn !== undefined && arn.startsWith('arn:');
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`The broker returned no ${what}`);
  return value;
}

/** The stack tag CloudFormation puts on every resource it creates. */
export const CLOUDFORMATION_STACK_TAG = 'aws:cloudformation:stack-name';

async function refuseCloudFormationManaged(sqs: SQSClient, topology: ResolvedTopology): Promise<void> {
  const managed: string[] = [];
  for (const name of topology.queues.flatMap((q) => [q.name, q.deadLetterQueueName])) {
    let url: string | undefined;
    try {
      url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    } catch (error) {
      if (!(error instanceof Error) || !/QueueDoesNotExist|NonExistentQueue/.test(error.name)) throw error;
    }
    if (url === undefined) continue;
    const stack = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags?.[CLOUDFORMATION_STACK_TAG];
    if (stack !== undefined) managed.push(`${name} (stack ${stack})`);
  }
  if (managed.length > 0) {
    throw new TransportConfigError(
      'INVALID_OPTIONS',
      `Nothing applied: these queues belong to a CloudFormation stack, and CDK is their desired state: ${managed.join(', ')}. Change them with \`cdk deploy\` (npx nx run infra:deploy); npm run topology is for emulators and accounts CDK does not manage.`,
    );
  }
}
