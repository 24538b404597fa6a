// doctor's checks that only AWS can answer: task roles simulated, error logs, delivery failures,
// backlog.
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { ALARM_THRESHOLDS, awsClientConfig, type ResolvedTopology, type ServiceDeclaration } from '@game-mesh/events';
import { queueDepths } from '@game-mesh/runtime';
import { appAwsNames, clusterName, TASK_ACTIONS } from '@game-mesh/services';
import { queueUrl, type OpsContext } from './context';
import type { Check } from './check';

/** The read-only clients of the checks only AWS can answer: CloudWatch, CloudWatch Logs, IAM, ECS. */
export interface AwsInsight {
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  iam: IAMClient;
  ecs: ECSClient;
}

export function createAwsInsight(settings: { region: string; endpoint?: string | undefined; timeoutMs?: number }): AwsInsight {
  const config = awsClientConfig({ region: settings.region, endpoint: settings.endpoint }, { requestTimeoutMs: settings.timeoutMs ?? 10_000 });
  return { cloudwatch: new CloudWatchClient(config), logs: new CloudWatchLogsClient(config), iam: new IAMClient(config), ecs: new ECSClient(config) };
}

/** Over how long doctor looks back at metrics and logs. */
export const LOOKBACK_MINUTES = 60;
/** Received more than this many times per deletion: messages are being handled again and again. */
export const REPROCESSING_RATIO = 1.2;
const MIN_RECEIVES_TO_JUDGE = 10;

const NEEDS_AWS = [
  ['permissions of each task role', 'iam:SimulatePrincipalPolicy'],
  ['errors logged by each service', 'CloudWatch Logs'],
  ['SNS delivery failures', 'CloudWatch AWS/SNS metrics'],
  ['age of the oldest message', 'CloudWatch ApproximateAgeOfOldestMessage'],
  ['messages handled again and again', 'CloudWatch NumberOfMessagesReceived / Deleted'],
  ['consumer lag against scaling', 'ECS DescribeServices'],
] as const;

/** On an emulator these checks have nothing to ask: say so, rather than guess. */
export function needsAwsChecks(): Check[] {
  return NEEDS_AWS.map(([name, source]) => ({ name, ok: true, skipped: true, detail: `needs AWS (${source}); not checked against an emulator` }));
}

/**
 * The checklist items only AWS can answer, each read-only: IAM simulation of each task role on
 * exactly the calls the service makes, errors in its logs, SNS delivery failures, the age of the
 * oldest message, receive/delete ratios (reprocessing), and backlog per task against scaling.
 */
export async function awsChecks(context: OpsContext, insight: AwsInsight, services: readonly ServiceDeclaration[], now = new Date()): Promise<Check[]> {
  const { topology } = context;
  const checks: Check[] = [];
  for (const service of services) checks.push(await permissionCheck(insight, topology, service));
  for (const service of services) checks.push(await logCheck(insight, topology.prefix, service.name, now));
  checks.push(...(await metricChecks(insight, topology, now)));
  checks.push(...(await lagChecks(context, insight, services)));
  return checks;
}

const arn = (service: 'sns' | 'sqs', region: string, account: string, name: string) => `arn:aws:${service}:${region}:${account}:${name}`;

async function permissionCheck(insight: AwsInsight, topology: ResolvedTopology, service: ServiceDeclaration): Promise<Check> {
  const { taskRole } = appAwsNames(topology.prefix, service.name);
  const name = `permissions of ${taskRole}`;
  let roleArn: string;
  try {
    roleArn = (await insight.iam.send(new GetRoleCommand({ RoleName: taskRole }))).Role?.Arn ?? '';
  } catch (error) {
    return { name, ok: false, detail: `cannot read the role: ${(error as Error).name}`, fix: `deploy its stack (nx run ${service.name}:deploy), or let doctor call iam:GetRole` };
  }
  // IAM ARNs carry the account, not a region: the region is the one doctor runs against.
  const account = roleArn.split(':')[4] ?? '';
  const awsRegion = await insight.iam.config.region();
  const wanted: { actions: readonly string[]; resources: string[] }[] = [];
  const topics = topology.topics.filter((t) => t.producer === service.name);
  const queues = topology.queues.filter((q) => q.service === service.name);
  if (topics.length > 0) wanted.push({ actions: TASK_ACTIONS.publisher, resources: topics.map((t) => arn('sns', awsRegion, account, t.name)) });
  if (queues.length > 0) {
    wanted.push({ actions: TASK_ACTIONS.consumer, resources: queues.map((q) => arn('sqs', awsRegion, account, q.name)) });
    wanted.push({ actions: TASK_ACTIONS.deadLetter, resources: queues.map((q) => arn('sqs', awsRegion, account, q.deadLetterQueueName)) });
  }
  const denied: string[] = [];
  let simulated = 0;
  for (const { actions, resources } of wanted) {
    for (const resource of resources) {
      const results = (await insight.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...actions], ResourceArns: [resource] }))).EvaluationResults ?? [];
      for (const action of actions) {
        simulated += 1;
        const decision = results.find((r) => r.EvalActionName === action)?.EvalDecision ?? 'not evaluated';
        if (decision !== 'allowed') denied.push(`${action} on ${resource.split(':').at(-1) ?? resource} (${decision})`);
      }
    }
  }
  return denied.length === 0
    ? { name, ok: true, detail: `allows all ${simulated} calls ${service.name} makes` }
    : { name, ok: false, detail: `denies ${denied.join(', ')}`, fix: `deploy its stack again (nx run ${service.name}:deploy); the CDK grants exactly these` };
}

async function logCheck(insight: AwsInsight, prefix: string, app: string, now: Date): Promise<Check> {
  const { logGroup } = appAwsNames(prefix, app);
  const name = `errors logged by ${app} in the last ${LOOKBACK_MINUTES} min`;
  try {
    const events =
      (
        await insight.logs.send(
          // pino writes level 50 for error and 60 for fatal.
          new FilterLogEventsCommand({ logGroupName: logGroup, startTime: now.getTime() - LOOKBACK_MINUTES * 60_000, endTime: now.getTime(), filterPattern: '{ $.level >= 50 }', limit: 50 }),
        )
      ).events ?? [];
    if (events.length === 0) return { name, ok: true, detail: `none in ${logGroup}` };
    const latest = events.at(-1)?.message ?? '';
    let message = latest;
    try {
      message = (JSON.parse(latest) as { msg?: string }).msg ?? latest;
    } catch {
      // not JSON: show it as it is
    }
    return { name, ok: false, detail: `${events.length}${events.length === 50 ? '+' : ''} error(s); latest: ${message.slice(0, 200)}`, fix: `aws logs tail ${logGroup} --since 1h --filter-pattern '{ $.level >= 50 }'` };
  } catch (error) {
    return { name, ok: false, detail: `cannot read ${logGroup}: ${(error as Error).name}`, fix: `deploy its stack (nx run ${app}:deploy), or let doctor call logs:FilterLogEvents` };
  }
}

/** One GetMetricData call for every queue and topic: ages, receives, deletes, deliveries, failures. */
async function metricChecks(insight: AwsInsight, topology: ResolvedTopology, now: Date): Promise<Check[]> {
  const queries: MetricDataQuery[] = [];
  const metric = (id: string, namespace: string, metricName: string, dimension: [string, string], stat: string, period: number) =>
    queries.push({ Id: id, ReturnData: true, MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: dimension[0], Value: dimension[1] }] }, Period: period, Stat: stat } });
  topology.queues.forEach((q, i) => {
    metric(`age${i}`, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', ['QueueName', q.name], 'Maximum', 300);
    metric(`received${i}`, 'AWS/SQS', 'NumberOfMessagesReceived', ['QueueName', q.name], 'Sum', LOOKBACK_MINUTES * 60);
    metric(`deleted${i}`, 'AWS/SQS', 'NumberOfMessagesDeleted', ['QueueName', q.name], 'Sum', LOOKBACK_MINUTES * 60);
  });
  topology.topics.forEach((t, i) => {
    metric(`delivered${i}`, 'AWS/SNS', 'NumberOfNotificationsDelivered', ['TopicName', t.name], 'Sum', LOOKBACK_MINUTES * 60);
    metric(`failed${i}`, 'AWS/SNS', 'NumberOfNotificationsFailed', ['TopicName', t.name], 'Sum', LOOKBACK_MINUTES * 60);
  });
  const values = new Map<string, number[]>();
  let next: string | undefined;
  do {
    const page = await insight.cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(now.getTime() - LOOKBACK_MINUTES * 60_000), EndTime: now, ScanBy: 'TimestampDescending', NextToken: next }));
    for (const result of page.MetricDataResults ?? []) values.set(result.Id ?? '', [...(values.get(result.Id ?? '') ?? []), ...(result.Values ?? [])]);
    next = page.NextToken;
  } while (next);
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  const latest = (id: string) => values.get(id)?.[0];
  const checks: Check[] = [];
  topology.queues.forEach((q, i) => {
    const age = latest(`age${i}`);
    checks.push({
      name: `oldest message in ${q.name}`,
      ok: age === undefined || age <= ALARM_THRESHOLDS.oldestMessageSeconds,
      detail: age === undefined ? 'no data in CloudWatch (an idle queue reports none)' : `${age} s old (alarm above ${ALARM_THRESHOLDS.oldestMessageSeconds} s)`,
      fix: `its consumer is stuck or too slow: look at ${q.service}'s logs and /ready, scale it out`,
    });
    const received = sum(`received${i}`);
    const deleted = sum(`deleted${i}`);
    const ratio = deleted === 0 ? (received === 0 ? 0 : Number.POSITIVE_INFINITY) : received / deleted;
    const judged = received >= MIN_RECEIVES_TO_JUDGE;
    checks.push({
      name: `messages of ${q.name} handled again and again`,
      ok: !judged || ratio <= REPROCESSING_RATIO,
      detail: `${received} received, ${deleted} deleted in ${LOOKBACK_MINUTES} min${judged ? ` (${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'} receives per delete; above ${REPROCESSING_RATIO} means handlers fail and retry)` : ' (too few to judge)'}`,
      fix: `handlers of ${q.service} are failing and retrying: npm run events -- peek ${q.deadLetterQueueName}, and its errors in CloudWatch Logs`,
    });
  });
  topology.topics.forEach((t, i) => {
    const delivered = sum(`delivered${i}`);
    const failed = sum(`failed${i}`);
    const percent = delivered + failed === 0 ? 0 : (100 * failed) / (delivered + failed);
    checks.push({
      name: `SNS deliveries from ${t.name}`,
      ok: percent <= ALARM_THRESHOLDS.deliveryFailurePercent,
      detail: `${failed} failed of ${delivered + failed} in ${LOOKBACK_MINUTES} min (${percent.toFixed(1)} %; alarm above ${ALARM_THRESHOLDS.deliveryFailurePercent} %)`,
      fix: 'a queue policy or KMS key refuses SNS: npm run events -- doctor checks the policies; apply the topology or redeploy the messaging stack',
    });
  });
  return checks;
}

/** Backlog per running task against each service's scaling: behind and unable to add tasks is a failure. */
async function lagChecks(context: OpsContext, insight: AwsInsight, services: readonly ServiceDeclaration[]): Promise<Check[]> {
  const { prefix } = context.topology;
  const names = services.map((s) => appAwsNames(prefix, s.name).service);
  const described = (await insight.ecs.send(new DescribeServicesCommand({ cluster: clusterName(prefix), services: names }))).services ?? [];
  const checks: Check[] = [];
  for (const service of services) {
    const name = `tasks of ${service.name} against its backlog`;
    const ecs = described.find((d) => d.serviceName === appAwsNames(prefix, service.name).service);
    if (!ecs) {
      checks.push({ name, ok: false, detail: `no ECS service ${appAwsNames(prefix, service.name).service} in ${clusterName(prefix)}`, fix: `nx run ${service.name}:deploy` });
      continue;
    }
    const running = ecs.runningCount ?? 0;
    const queue = context.topology.queues.find((q) => q.service === service.name && q.key === 'main');
    const backlog = queue ? ((await queueDepths(context.sqs, { main: await queueUrl(context.sqs, queue.name) }))['main']?.visible ?? 0) : 0;
    const min = service.scaling?.minTasks ?? 1;
    const max = service.scaling?.maxTasks ?? 1;
    const perTask = backlog / Math.max(running, 1);
    const target = service.scaling?.backlogPerTask;
    const problems = [
      running < min ? `${running} running, fewer than its minimum ${min}` : '',
      target !== undefined && perTask > target && running >= max ? `${Math.round(perTask)} messages per task at its maximum of ${max} tasks (target ${target}): it cannot scale further` : '',
    ].filter(Boolean);
    checks.push({
      name,
      ok: problems.length === 0,
      detail: problems.length > 0 ? problems.join('; ') : `${running} running (${min}–${max}), ${backlog} waiting${target === undefined ? '' : `, ${Math.round(perTask)} per task (target ${target})`}`,
      fix: running < min ? `look at the service's events: aws ecs describe-services --cluster ${clusterName(prefix)} --services ${ecs.serviceName}` : `raise scaling.maxTasks in apps/${service.name}/service.json, or make its handlers faster`,
    });
  }
  return checks;
}
