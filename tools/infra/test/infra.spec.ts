// Tests: scaling.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { deadLetterQueuePolicy, queuePolicy, resolveTopology } from '@game-mesh/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALARM_THRESHOLDS as THRESHOLDS, DEAD_LETTER_CODES, STOP_GRACE_SECONDS } from '@game-mesh/events';
import { CONSUMER_ACTIONS, DEAD_LETTER_ACTIONS, IDEMPOTENCY_ACTIONS, METRICS_ACTIONS, PUBLISHER_ACTIONS, TRACE_ACTIONS } from '../src/AppStack';
import { ADOT_COLLECTOR, CLOUDWATCH_METRICS, collectorConfigSchema } from '../src/collector';
import { APPS, addMeshStacks, stackName } from '../src/meshApp';
import { loadGameTopology } from '@game-mesh/services';

const prefix = 'prod';
const topology = resolveTopology(loadGameTopology(), { prefix });
let templates: Record<string, Template>;

beforeAll(() => {
  const app = addMeshStacks(new App(), { prefix, imageTag: 'abc123' });
  templates = Object.fromEntries(app.node.children.map((stack) => [stack.node.id, Template.fromStack(stack as never)]));
}, 60_000);

const appTemplate = (name: string) => templates[stackName(prefix, name)]!;
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
function taskRoleStatements(template: Template): Statement[] {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'ecs-tasks.amazonaws.com' } }] } } });
  const taskRole = Object.entries(roles).find(([id]) => id.startsWith('TaskRole'))?.[0];
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p['Properties']['Roles']).includes(`"${taskRole}"`))
    .flatMap((p) => p['Properties']['PolicyDocument']['Statement'] as Statement[]);
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe.each(Object.keys(APPS))('the %s stack', (app) => {
  it('gives its task role no wildcard action or resource (but X-Ray\'s, which takes no resource ARN)', () => {
    const statements = taskRoleStatements(appTemplate(app));
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements.filter((s) => (s as { Sid?: string }).Sid !== 'CollectorSendsTraces')) {
      for (const action of asList(statement.Action)) expect(action).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:\*"/);
    }
  });

  it('grants exactly publish on its own topic and the consumer actions on its own queues', () => {
    const statements = taskRoleStatements(appTemplate(app));
    const text = JSON.stringify(statements);
    const ownTopics = topology.topics.filter((t) => t.producer === app);
    const ownQueues = topology.queues.filter((q) => q.service === app);
    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual(
      [
        ...(ownTopics.length > 0 ? PUBLISHER_ACTIONS : []),
        ...(ownQueues.length > 0 ? [...CONSUMER_ACTIONS, ...DEAD_LETTER_ACTIONS] : []),
        ...(ownQueues.length > 0 && APPS[app]?.scaling ? IDEMPOTENCY_ACTIONS : []),
        ...TRACE_ACTIONS,
        ...METRICS_ACTIONS,
      ].sort(),
    );
    for (const topic of topology.topics) expect(text.includes(`:${topic.name}"`)).toBe(topic.producer === app);
    for (const queue of topology.queues) expect(text.includes(`:${queue.name}"`)).toBe(queue.service === app);
  });

  const containersOf = (template: Template) => {
    const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    return definition!['Properties']['ContainerDefinitions'] as { Name: string; Image: unknown; Essential: boolean; Environment: { Name: string; Value: string }[]; DependsOn?: unknown[] }[];
  };

  it('runs an ADOT collector beside it, from the account\'s ECR, whose configuration is valid: OTLP on loopback → X-Ray, the app\'s /metrics → CloudWatch (EMF)', () => {
    const template = appTemplate(app);
    const containers = containersOf(template);
    const collector = containers.find((c) => c.Name === 'otel-collector')!;
    const application = containers.find((c) => c.Name === 'app')!;
    // <account>.dkr.ecr.<region>.<suffix>/ecr-public/aws-observability/aws-otel-collector:<tag>, through the pull-through cache.
    expect(JSON.stringify(collector.Image)).toContain(`.dkr.ecr.`);
    expect(JSON.stringify(collector.Image)).toContain(`/ecr-public/${ADOT_COLLECTOR.repository}:${ADOT_COLLECTOR.tag}`);
    expect(collector.Essential).toBe(false);
    // Telemetry never keeps the app from starting.
    expect(application.DependsOn).toBeUndefined();
    const parsed = collectorConfigSchema.safeParse(parse(collector.Environment.find((e) => e.Name === 'AOT_CONFIG_CONTENT')!.Value));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const config = parsed.data!;
    expect(config.receivers.otlp?.protocols.http?.endpoint).toBe('127.0.0.1:4318');
    expect(config.receivers.prometheus?.config.scrape_configs[0]?.static_configs[0]?.targets).toEqual([`127.0.0.1:${APPS[app]!.port}`]);
    expect(config.service.pipelines.traces).toMatchObject({ receivers: ['otlp'], exporters: ['awsxray'] });
    expect(config.service.pipelines.metrics).toMatchObject({ receivers: ['prometheus'], exporters: ['awsemf'] });
    // Every metric an alarm reads reaches CloudWatch with the dimensions the alarm names.
    expect(config.exporters.awsemf?.metric_declarations?.flatMap((d) => d.metric_name_selectors)).toEqual(CLOUDWATCH_METRICS.flatMap((m) => m.metrics.map((name) => `^${name}$`)));
    const env = Object.fromEntries(application.Environment.map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_PROPAGATORS: 'tracecontext,xray', OTEL_SERVICE_NAME: app });
    const statements = taskRoleStatements(template);
    const traces = statements.filter((s) => (s as { Sid?: string }).Sid === 'CollectorSendsTraces');
    expect(traces).toEqual([expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*', Effect: 'Allow' })]);
    // The metrics go into the log group the exporter is configured with, and only there.
    const metrics = statements.find((s) => (s as { Sid?: string }).Sid === 'CollectorWritesMetrics')!;
    expect(asList(metrics.Action).sort()).toEqual([...METRICS_ACTIONS].sort());
    const [group] = Object.entries(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: config.exporters.awsemf!.log_group_name } }));
    expect(JSON.stringify(metrics.Resource)).toContain(group![0]);
  });

  it('refuses a collector configuration the collector would refuse (the schema check can fail)', () => {
    const config = parse(containersOf(appTemplate(app)).find((c) => c.Name === 'otel-collector')!.Environment.find((e) => e.Name === 'AOT_CONFIG_CONTENT')!.Value) as { service: { pipelines: { metrics: { exporters: string[] } } }; exporters: Record<string, unknown> };
    config.service.pipelines.metrics.exporters = ['awscloudwatch'];
    expect(collectorConfigSchema.safeParse(config).error?.issues.map((i) => i.message)).toEqual(['awscloudwatch is not defined under exporters']);
    config.exporters['awsemf'] = { namespace: 'x', log_group_name: '/x', unknown_field: true };
    expect(collectorConfigSchema.safeParse(config).success).toBe(false);
  });

  it('alarms on its own metrics as the compose stack\'s Prometheus rules do, to the alarm topic, both ways', () => {
    const template = appTemplate(app);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a['Properties'] as Record<string, unknown>);
    const consumes = topology.queues.some((q) => q.service === app);
    const publishes = topology.topics.some((t) => t.producer === app);
    const named = (suffix: string) => alarms.find((a) => a['AlarmName'] === `${prefix}-${app}-${suffix}`);
    for (const code of DEAD_LETTER_CODES) {
      const alarm = named(`dead-lettered-${code.toLowerCase().replaceAll('_', '-')}`);
      expect(alarm !== undefined).toBe(consumes);
      if (alarm) expect(alarm).toMatchObject({ MetricName: 'events_dead_lettered_total', Namespace: 'GameMesh', Threshold: THRESHOLDS.deadLettered, Dimensions: expect.arrayContaining([{ Name: 'code', Value: code }, { Name: 'service', Value: app }]) });
    }
    expect(named('handler-failures') !== undefined).toBe(consumes);
    if (consumes) expect(named('handler-failures')).toMatchObject({ MetricName: 'events_failed_total', Threshold: THRESHOLDS.handlerFailures, Period: 300 });
    expect(named('publish-failures') !== undefined).toBe(publishes);
    if (publishes) expect(JSON.stringify(named('publish-failures'))).toContain('100 * failed / (published + failed)');
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm['AlarmActions'])).toContain(`:${prefix}-mesh-alarms`);
      expect(alarm['OKActions']).toEqual(alarm['AlarmActions']);
    }
  });

  it('runs on Fargate with its env, a health check, the stop budget\'s stop timeout and a log group', () => {
    const template = appTemplate(app);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          StopTimeout: STOP_GRACE_SECONDS,
          HealthCheck: Match.objectLike({ Command: Match.arrayWith(['CMD', 'node']) }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Environment: Match.arrayWith([{ Name: 'EVENTS_PREFIX', Value: prefix }]),
        }),
      ]),
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 2); // the app's logs and its metrics (EMF)
    // The operator API's token, from Secrets Manager, read by the execution role only.
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Secrets: [Match.objectLike({ Name: 'OPERATOR_TOKEN' })] })]) });
    expect(JSON.stringify(taskRoleStatements(template))).not.toContain('secretsmanager');
    const env = JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'));
    for (const queue of topology.queues) expect(env.includes(`/${queue.name}"`)).toBe(queue.service === app);
  });
});

describe('scaling', () => {
  it('scales sample-consumer on backlog per task, between 1 and 10 tasks', () => {
    const template = appTemplate('sample-consumer');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 10, ScalableDimension: 'ecs:service:DesiredCount' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 100,
        CustomizedMetricSpecification: { Metrics: Match.arrayWith([Match.objectLike({ Expression: 'visible / IF(tasks > 0, tasks, 1)' })]) },
      }),
    });
  });

  it('gives the scaled consumer a shared idempotency table (on-demand, TTL on) and exactly the item actions its store calls', () => {
    const template = appTemplate('sample-consumer');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: `${prefix}-sample-consumer-idempotency`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const statement = taskRoleStatements(template).find((s) => JSON.stringify(s).includes('dynamodb:'))!;
    expect(asList(statement.Action).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(statement.Resource)).toContain('Idempotency');
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Environment: Match.arrayWith([Match.objectLike({ Name: 'IDEMPOTENCY_TABLE' })]) })]) });
    for (const app of ['time-manager', 'weather-manager']) appTemplate(app).resourceCountIs('AWS::DynamoDB::Table', 0);
  });

  it('keeps the clock and the weather simulation to exactly one task', () => {
    for (const app of ['time-manager', 'weather-manager']) {
      appTemplate(app).resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
      appTemplate(app).hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }) });
    }
  });
});

describe('the messaging stack', () => {
  const messaging = () => templates[stackName(prefix, 'messaging')]!;

  it('creates the topology apply() creates, with filter policies, raw delivery and encryption', () => {
    const template = messaging();
    template.resourceCountIs('AWS::SNS::Topic', topology.topics.length + 1); // + the alarm topic
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'prod-weather', KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::SQS::Queue', topology.queues.length * 2);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'prod-sample-consumer-severe', SqsManagedSseEnabled: true, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true, FilterPolicy: { type: ['weather.changed'], intensity: [{ numeric: ['>=', 0.8] }] } });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } } })]) },
    });
  });

  it.each([
    ['depth', 'ApproximateNumberOfMessagesVisible', THRESHOLDS.queueDepth, 'prod-sample-consumer-depth'],
    ['oldest message', 'ApproximateAgeOfOldestMessage', THRESHOLDS.oldestMessageSeconds, 'prod-sample-consumer-oldest-message'],
    ['DLQ not empty', 'ApproximateNumberOfMessagesVisible', 0, 'prod-sample-consumer-dlq-not-empty'],
  ])('alarms on queue %s', (_label, metric, threshold, name) => {
    messaging().hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, MetricName: metric, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: Match.anyValue() });
  });

  it('deploys the queue and DLQ policies applyTopology() sets, from the same code (libs/events awsAttributes)', () => {
    const policies = Object.values(messaging().findResources('AWS::SQS::QueuePolicy')).map((p) => (p['Properties']['PolicyDocument'] as { Statement: { Sid: string; Effect: string; Action: string }[] }).Statement);
    const shape = (statements: { Sid: string; Effect: string; Action: string }[]) => statements.map((s) => `${s.Sid} ${s.Effect} ${s.Action}`).join(', ');
    const expected = (policy: object) => shape((policy as { Statement: { Sid: string; Effect: string; Action: string }[] }).Statement);
    expect(policies.map(shape).sort()).toEqual(
      topology.queues.flatMap(() => [expected(queuePolicy('arn:aws:sqs:r:1:q', ['t'])), expected(deadLetterQueuePolicy('arn:aws:sqs:r:1:q'))]).sort(),
    );
  });

  it('alarms when more than 1 % of SNS deliveries fail', () => {
    messaging().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'prod-weather-delivery-failures',
      Threshold: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * failed / (delivered + failed)' })]),
    });
  });

  it('has a dashboard with the metrics the design names', () => {
    const body = JSON.stringify(messaging().findResources('AWS::CloudWatch::Dashboard'));
    for (const metric of ['NumberOfMessagesPublished', 'NumberOfNotificationsFailed', 'ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'NumberOfMessagesDeleted']) {
      expect(body).toContain(metric);
    }
  });
});
