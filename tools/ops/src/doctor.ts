// doctor: the troubleshooting checklist, read-only, one line per check.
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ALARM_THRESHOLDS, sameAttributeValue, type ResolvedQueue, type ServiceDeclaration } from '@game-mesh/events';
import { queueUrl, topicArnsByName, type OpsContext } from './context';
import { awsChecks, needsAwsChecks, type AwsInsight } from './awsChecks';
import type { Check } from './check';
import { snsMayDeliver } from './queuePolicy';

export type { Check } from './check';

/** The CloudWatch alarms' thresholds: doctor and the alarms agree on what is wrong. */
export const DOCTOR_THRESHOLDS = ALARM_THRESHOLDS;
const APPLY = (prefix: string) => `npm run topology -- --prefix ${prefix}`;

/**
 * The troubleshooting checklist, automated: topics, subscriptions (queue, filter policy, raw
 * delivery), queue policies (evaluated), DLQs, depth against the alarm thresholds, and each
 * running service's /ready. Read-only: it never receives, deletes or moves a message.
 */
export async function doctor(
  context: OpsContext,
  options: {
    services: Record<string, string>;
    /** On AWS: the clients of the checks only AWS answers, and the declarations they check. Absent (an emulator): those checks say they need AWS. */
    aws?: { insight: AwsInsight; declarations: readonly ServiceDeclaration[] };
  },
): Promise<Check[]> {
  const { topology } = context;
  const checks: Check[] = [];
  const arns = await topicArnsByName(context.sns);
  for (const topic of topology.topics) {
    const arn = arns.get(topic.name);
    checks.push(arn ? { name: `topic ${topic.name}`, ok: true, detail: 'exists' } : { name: `topic ${topic.name}`, ok: false, detail: 'missing', fix: APPLY(topology.prefix) });
  }
  for (const queue of topology.queues) checks.push(...(await queueChecks(context, queue, arns)));
  for (const [service, url] of Object.entries(options.services)) {
    const ready = await fetch(`${url}/ready`).then(async (r) => ({ ok: r.ok, body: await r.text() }), (error: unknown) => ({ ok: false, body: String(error) }));
    checks.push({ name: `service ${service} ${url}/ready`, ok: ready.ok, detail: ready.ok ? 'ready' : ready.body.slice(0, 200), fix: `start it (npm start), or look at its logs` });
  }
  checks.push(...(options.aws ? await awsChecks(context, options.aws.insight, options.aws.declarations) : needsAwsChecks()));
  return checks;
}

async function queueChecks(context: OpsContext, queue: ResolvedQueue, arns: Map<string, string>): Promise<Check[]> {
  const { topology } = context;
  const checks: Check[] = [];
  let url: string;
  try {
    url = await queueUrl(context.sqs, queue.name);
  } catch {
    return [{ name: `queue ${queue.name}`, ok: false, detail: 'missing', fix: APPLY(topology.prefix) }];
  }
  const attributes: Record<string, string> = (await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
  const queueArn = attributes['QueueArn'] ?? '';
  for (const subscription of queue.subscriptions) {
    const topicName = topology.topics.find((t) => t.key === subscription.topicKey)?.name ?? subscription.topicKey;
    const topicArn = arns.get(topicName);
    const name = `subscription ${topicName} → ${queue.name}`;
    if (!topicArn) continue;
    const found = ((await context.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).find((s) => s.Protocol === 'sqs' && s.Endpoint === queueArn);
    if (!found?.SubscriptionArn) {
      checks.push({ name, ok: false, detail: 'missing', fix: APPLY(topology.prefix) });
      continue;
    }
    const sub = (await context.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: found.SubscriptionArn }))).Attributes ?? {};
    const problems = [
      sub['RawMessageDelivery'] === 'true' ? '' : 'raw delivery is off',
      sameAttributeValue(sub['FilterPolicy'], JSON.stringify(subscription.filterPolicy)) ? '' : `filter policy is ${sub['FilterPolicy'] ?? 'none'}, expected ${JSON.stringify(subscription.filterPolicy)}`,
    ].filter(Boolean);
    checks.push({ name, ok: problems.length === 0, detail: problems.length === 0 ? `points at the queue, filter ${JSON.stringify(subscription.filterPolicy)}, raw delivery` : problems.join('; '), fix: APPLY(topology.prefix) });
    const verdict = snsMayDeliver(attributes['Policy'], { queueArn, topicArn });
    checks.push({ name: `queue policy of ${queue.name} admits ${topicName}`, ok: verdict.ok, detail: verdict.detail, fix: APPLY(topology.prefix) });
  }
  const redrive = attributes['RedrivePolicy'] ? (JSON.parse(attributes['RedrivePolicy']) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string }) : undefined;
  const redriveOk = redrive?.deadLetterTargetArn?.endsWith(`:${queue.deadLetterQueueName}`) === true && Number(redrive.maxReceiveCount) === queue.maxReceiveCount;
  checks.push({ name: `dead-letter queue of ${queue.name}`, ok: redriveOk, detail: redrive ? `${redrive.deadLetterTargetArn ?? '?'} after ${String(redrive.maxReceiveCount)} receives` : 'no RedrivePolicy', fix: APPLY(topology.prefix) });
  const depth = Number(attributes['ApproximateNumberOfMessages'] ?? 0);
  checks.push({ name: `depth of ${queue.name}`, ok: depth <= DOCTOR_THRESHOLDS.queueDepth, detail: `${depth} visible (alarm above ${DOCTOR_THRESHOLDS.queueDepth})`, fix: 'consumers are behind: check the service, scale it out' });
  // The age of the oldest message is a CloudWatch metric (awsChecks); reading messages to guess it
  // would raise their receive counts (and push a waiting one toward the DLQ). Doctor never receives.
  const dlqDepth = await deadLetterDepth(context, queue.deadLetterQueueName);
  checks.push({ name: `dead-letter queue ${queue.deadLetterQueueName} empty`, ok: dlqDepth === 0, detail: `${dlqDepth} message(s)`, fix: `npm run events -- peek ${queue.deadLetterQueueName}, fix the cause, then npm run events -- redrive ${queue.deadLetterQueueName}` });
  return checks;
}

async function deadLetterDepth(context: OpsContext, name: string): Promise<number> {
  try {
    const url = await queueUrl(context.sqs, name);
    const attributes = (await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    return Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  } catch {
    return Number.NaN;
  }
}

export function printChecks(context: OpsContext, checks: readonly Check[], json: boolean): void {
  if (json) {
    context.out(JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2));
    return;
  }
  for (const check of checks) context.out(`${check.skipped ? '–' : check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}${check.ok || !check.fix ? '' : `\n    fix: ${check.fix}`}`);
  const failed = checks.filter((c) => !c.ok).length;
  const skipped = checks.filter((c) => c.skipped).length;
  const run = checks.length - skipped;
  context.out(`${failed === 0 ? `\nall ${run} checks pass` : `\n${failed} of ${run} checks fail`}${skipped > 0 ? `; ${skipped} need AWS and were not run` : ''}`);
}
