// Tests: doctor on AWS: the checks only CloudWatch, Logs, IAM and ECS answer (HTTP layer, AWS wire formats).
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startGameMesh, type GameMesh } from '@game-mesh/events/testing';
import { appAwsNames, loadServiceDeclarations, TASK_ACTIONS } from '@game-mesh/services';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsInsight } from '../src/awsChecks';
import { createContext, type OpsContext } from '../src/context';
import { doctor, type Check } from '../src/doctor';
import { startFakeAws, type FakeAccount, type FakeAws } from './fakeAws';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const declarations = loadServiceDeclarations(root);
const prefix = 'prod';
const names = (app: string) => appAwsNames(prefix, app);

/** An account where every task role has exactly what the CDK grants it, and all is quiet. */
function healthyAccount(): FakeAccount {
  const owns = (app: string) => (action: string, resource: string) => {
    // FIFO resources (the inventory's) end in .fifo.
    const name = (resource.split(':').at(-1) ?? '').replace(/\.fifo$/, '');
    const topic = resource.startsWith('arn:aws:sns:') && name === `${prefix}-${app.split('-')[0]}`;
    const queue = resource.startsWith('arn:aws:sqs:') && name.startsWith(`${prefix}-${app}`);
    const dlq = queue && name.endsWith('-dlq');
    return (topic && (TASK_ACTIONS.publisher as readonly string[]).includes(action)) || (queue && !dlq && (TASK_ACTIONS.consumer as readonly string[]).includes(action)) || (dlq && (TASK_ACTIONS.deadLetter as readonly string[]).includes(action));
  };
  return {
    account: '123456789012',
    region: 'us-east-1',
    roles: Object.fromEntries(declarations.map((d) => [names(d.name).taskRole, owns(d.name)])),
    logs: Object.fromEntries(declarations.map((d) => [names(d.name).logGroup, [JSON.stringify({ level: 30, msg: 'listening' })]])),
    metrics: {},
    ecs: Object.fromEntries(declarations.map((d) => [names(d.name).service, { running: d.scaling?.minTasks ?? 1, desired: d.scaling?.minTasks ?? 1 }])),
  };
}

describe('doctor on AWS: the checks only CloudWatch, Logs, IAM and ECS answer (HTTP layer, AWS wire formats)', () => {
  let mesh: GameMesh;
  let ctx: OpsContext;
  let fake: FakeAws | undefined;
  beforeAll(async () => {
    mesh = await startGameMesh(declarations, prefix);
    ctx = createContext({ prefix, endpoint: mesh.broker.endpoint, region: mesh.broker.region }, { out: () => undefined, err: () => undefined });
  });
  afterAll(() => mesh.stop());
  beforeEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  async function run(account: FakeAccount): Promise<Check[]> {
    fake = await startFakeAws(account);
    return doctor(ctx, { services: {}, aws: { insight: createAwsInsight({ region: account.region, endpoint: fake.url }), declarations } });
  }
  const failing = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);

  it('passes a healthy account, asking each role about exactly the calls its service makes, and only reads', async () => {
    const checks = await run(healthyAccount());
    expect(failing(checks)).toEqual([]);
    expect(checks.find((c) => c.name === `permissions of ${names('weather-manager').taskRole}`)?.detail).toBe('allows all 8 calls weather-manager makes');
    expect(checks.find((c) => c.name === `permissions of ${names('time-manager').taskRole}`)?.detail).toBe('allows all 2 calls time-manager makes');
    expect(checks.filter((c) => c.skipped)).toEqual([]);
    // Read-only: every call is a read.
    expect([...new Set(fake!.calls)].sort()).toEqual(['cloudwatch:GetMetricData', 'ecs:DescribeServices', 'iam:GetRole', 'iam:SimulatePrincipalPolicy', 'logs:FilterLogEvents']);
  });

  it('names each problem: a missing permission, logged errors, failed deliveries, an old message, reprocessing, lag at max tasks', async () => {
    const account = healthyAccount();
    const weatherRole = names('weather-manager').taskRole;
    const grants = account.roles[weatherRole]!;
    account.roles[weatherRole] = (action, resource) => action !== 'sns:GetTopicAttributes' && grants(action, resource);
    account.logs[names('time-manager').logGroup]!.push(JSON.stringify({ level: 50, msg: 'publish failed: time.changed' }));
    account.metrics[`NumberOfNotificationsDelivered|${prefix}-weather`] = [97];
    account.metrics[`NumberOfNotificationsFailed|${prefix}-weather`] = [3];
    account.metrics[`ApproximateAgeOfOldestMessage|${prefix}-sample-consumer-severe`] = [900, 600];
    account.metrics[`NumberOfMessagesReceived|${prefix}-weather-manager`] = [30, 20];
    account.metrics[`NumberOfMessagesDeleted|${prefix}-weather-manager`] = [20];
    account.ecs[names('sample-consumer').service] = { running: 10, desired: 10 };
    const url = mesh.report.environment['sample-consumer']!['EVENTS_QUEUE_URL']!;
    for (let batch = 0; batch < 101; batch += 1) {
      await mesh.broker.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: '{}' })) }));
    }
    const problems = failing(await run(account));
    expect([...problems].sort()).toEqual([
      `permissions of ${weatherRole}: denies sns:GetTopicAttributes on ${prefix}-weather (implicitDeny)`,
      `errors logged by time-manager in the last 60 min: 1 error(s); latest: publish failed: time.changed`,
      `oldest message in ${prefix}-sample-consumer-severe: 900 s old (alarm above 300 s)`,
      `messages of ${prefix}-weather-manager handled again and again: 50 received, 20 deleted in 60 min (2.50 receives per delete; above 1.2 means handlers fail and retry)`,
      `SNS deliveries from ${prefix}-weather: 3 failed of 100 in 60 min (3.0 %; alarm above 1 %)`,
      `tasks of sample-consumer against its backlog: 101 messages per task at its maximum of 10 tasks (target 100): it cannot scale further`,
      // The backlog is also deep enough for the depth check (SQS, emulator-answered).
      `depth of ${prefix}-sample-consumer: 1010 visible (alarm above 1000)`,
    ].sort());
  });

  it('says a role or log group that is not there is missing, rather than passing', async () => {
    const account = healthyAccount();
    delete account.roles[names('time-manager').taskRole];
    delete account.logs[names('weather-manager').logGroup];
    delete account.ecs[names('sample-consumer').service];
    const problems = failing(await run(account));
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^permissions of ${names('time-manager').taskRole}: cannot read the role: NoSuchEntity`)));
    expect(problems).toContainEqual(expect.stringMatching(/^errors logged by weather-manager .*: cannot read \/game-mesh\/prod\/weather-manager: ResourceNotFoundException/));
    expect(problems).toContainEqual(`tasks of sample-consumer against its backlog: no ECS service ${prefix}-sample-consumer in ${prefix}-game-mesh`);
  });

  it('on an emulator, says which checks need AWS instead of guessing', async () => {
    const checks = await doctor(ctx, { services: {} });
    const skipped = checks.filter((c) => c.skipped);
    expect(skipped.map((c) => c.name)).toEqual(['permissions of each task role', 'errors logged by each service', 'SNS delivery failures', 'age of the oldest message', 'messages handled again and again', 'consumer lag against scaling']);
    expect(skipped.every((c) => c.detail.startsWith('needs AWS'))).toBe(true);
  });
});
