// One app's stack: its Fargate service and task, the collector beside it, its task role, alarms and
// scaling.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { createHash } from 'node:crypto';
import { CfnScalingPolicy, ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { ContainerImage, FargateService, FargateTaskDefinition, LogDriver, Secret as EcsSecret, type ICluster } from 'aws-cdk-lib/aws-ecs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ALARM_THRESHOLDS, DEAD_LETTER_CODES, queueEnvName, STOP_GRACE_SECONDS, TOPIC_ARN_ENV, type ResolvedTopology } from '@game-mesh/events';
import { appAwsNames, METRICS_NAMESPACE, TASK_ACTIONS } from '@game-mesh/services';
import { ADOT_COLLECTOR, COLLECTOR_REPOSITORY, collectorConfig, collectorConfigYaml, OTLP_HTTP_ENDPOINT } from './collector';
import { alarmTopicName, messagingNames } from './names';

export interface AppScaling {
  minTasks: number;
  maxTasks: number;
  /** Messages waiting per running task that the service scales to keep. */
  backlogPerTask: number;
}

export interface AppStackProps extends StackProps {
  app: string;
  port: number;
  topology: ResolvedTopology;
  vpc: IVpc;
  cluster: ICluster;
  repositoryName: string;
  imageTag: string;
  /** Absent: exactly one task (a clock, a simulation: singletons by nature). */
  scaling?: AppScaling;
}

export const PUBLISHER_ACTIONS = [...TASK_ACTIONS.publisher];
export const CONSUMER_ACTIONS = [...TASK_ACTIONS.consumer];
export const DEAD_LETTER_ACTIONS = [...TASK_ACTIONS.deadLetter];
export const IDEMPOTENCY_ACTIONS = [...TASK_ACTIONS.idempotency];
export const TRACE_ACTIONS = [...TASK_ACTIONS.traces];
export const METRICS_ACTIONS = [...TASK_ACTIONS.metrics];
/** What pulling the collector through the ECR pull-through cache takes beyond an ordinary pull. */
export const PULL_THROUGH_ACTIONS = ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];

/**
 * One app on Fargate: task definition with its environment, health check, stop timeout and log
 * group; a least-privilege task role; and, for a consumer that may scale, scaling on backlog per task
 * and the idempotency table its replicas share (an in-memory store protects one task only).
 */
export class AppStack extends Stack {
  readonly service: FargateService;
  readonly taskRole: Role;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { app, topology } = props;
    this.prefix = topology.prefix;
    const ownTopics = topology.topics.filter((t) => t.producer === app);
    const ownQueues = topology.queues.filter((q) => q.service === app);

    const names = appAwsNames(topology.prefix, app);
    this.taskRole = new Role(this, 'TaskRole', { roleName: names.taskRole, assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'), description: `${app}: publish to its topic, consume its queues; nothing else` });
    if (ownTopics.length > 0) {
      this.taskRole.addToPolicy(new PolicyStatement({ sid: 'PublishOwnTopic', actions: PUBLISHER_ACTIONS, resources: ownTopics.map((t) => messagingNames.topicArn(this, t.name)) }));
    }
    if (ownQueues.length > 0) {
      this.taskRole.addToPolicy(new PolicyStatement({ sid: 'ConsumeOwnQueues', actions: CONSUMER_ACTIONS, resources: ownQueues.map((q) => messagingNames.queueArn(this, q.name)) }));
      this.taskRole.addToPolicy(new PolicyStatement({ sid: 'ParkInOwnDeadLetterQueues', actions: DEAD_LETTER_ACTIONS, resources: ownQueues.map((q) => messagingNames.queueArn(this, q.deadLetterQueueName)) }));
    }

    const environment: Record<string, string> = {
      PORT: String(props.port),
      EVENTS_MODE: 'sns',
      EVENTS_PREFIX: topology.prefix,
      LOG_LEVEL: 'info',
      // Spans to the collector beside the app; X-Ray trace ids and header alongside W3C's.
      OTEL_SERVICE_NAME: app,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${OTLP_HTTP_ENDPOINT}`,
      OTEL_PROPAGATORS: 'tracecontext,xray',
    };
    // X-Ray's write actions have no resource-level permissions: '*' is the only resource they take.
    this.taskRole.addToPolicy(new PolicyStatement({ sid: 'CollectorSendsTraces', actions: TRACE_ACTIONS, resources: ['*'] }));
    if (props.scaling && ownQueues.length > 0) {
      const table = new Table(this, 'Idempotency', {
        tableName: `${topology.prefix}-${app}-idempotency`,
        partitionKey: { name: 'id', type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: 'expiration',
        encryption: TableEncryption.AWS_MANAGED,
        // Only remembers recent event ids (hours): nothing to keep when the stack goes.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.taskRole.addToPolicy(new PolicyStatement({ sid: 'SharedIdempotencyStore', actions: IDEMPOTENCY_ACTIONS, resources: [table.tableArn] }));
      Validations.of(table).acknowledge({
        id: 'AwsSolutions::AwsSolutions-DDB3',
        reason: 'Holds only the ids of events handled in the last hours (TTL); a point-in-time restore creates a new table the tasks do not read, and would bring back claims that have since expired',
      });
      environment['IDEMPOTENCY_TABLE'] = table.tableName;
    }
    for (const topic of ownTopics) environment[TOPIC_ARN_ENV] = messagingNames.topicArn(this, topic.name);
    for (const queue of ownQueues) {
      environment[queueEnvName('QUEUE', queue.key)] = messagingNames.queueUrl(queue.name);
      environment[queueEnvName('DLQ', queue.key)] = messagingNames.queueUrl(queue.deadLetterQueueName);
    }

    const taskDefinition = new FargateTaskDefinition(this, 'Task', { cpu: 256, memoryLimitMiB: 512, taskRole: this.taskRole, family: `${topology.prefix}-${app}` });
    const logGroup = new LogGroup(this, 'Logs', { logGroupName: names.logGroup, retention: RetentionDays.ONE_MONTH });
    // The app's /metrics, as the collector writes them (embedded metric format): CloudWatch makes
    // the metrics from these events; the events themselves need not stay long.
    const metricsLogGroup = new LogGroup(this, 'MetricsLogs', { logGroupName: names.metricsLogGroup, retention: RetentionDays.ONE_WEEK });
    this.taskRole.addToPolicy(new PolicyStatement({ sid: 'CollectorWritesMetrics', actions: METRICS_ACTIONS, resources: [metricsLogGroup.logGroupArn] }));
    // The operator API always needs a token on ECS; the execution role (not the task role) reads it.
    // A new secret, with a new generated value, for every image tag deployed: ECS reads it only when
    // a task starts, so rotating it in place would leave running tasks on the old value.
    const tokenVersion = createHash('sha256').update(props.imageTag).digest('hex').slice(0, 12);
    const operatorToken = new Secret(this, `OperatorToken-${tokenVersion}`, {
      secretName: `${topology.prefix}/${app}/operator-token/${tokenVersion}`,
      description: `Bearer token of ${app}'s operator API, for image ${props.imageTag}`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(operatorToken).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Replaced on every deploy instead: a new secret with a new value per image tag (the OperatorTokenSecret output names it); in-place rotation would change the token under running tasks, which read it only at start',
    });
    new CfnOutput(this, 'OperatorTokenSecret', { value: operatorToken.secretName, description: `The secret holding ${app}'s operator token for this deploy` });
    const collectorRepository = Repository.fromRepositoryName(this, 'CollectorRepo', COLLECTOR_REPOSITORY);
    taskDefinition.addContainer('otel-collector', {
      image: ContainerImage.fromEcrRepository(collectorRepository, ADOT_COLLECTOR.tag),
      // Telemetry never stops the app: the app neither waits for the collector nor dies with it.
      essential: false,
      environment: { AOT_CONFIG_CONTENT: collectorConfigYaml(collectorConfig(app, props.port, names.metricsLogGroup)) },
      memoryReservationMiB: 64,
      logging: LogDriver.awsLogs({ logGroup, streamPrefix: 'otel-collector' }),
    });
    // The first pull of a tag fills the cache from ECR Public: the execution role may do that for this repository only.
    taskDefinition.addToExecutionRolePolicy(new PolicyStatement({ sid: 'PullCollectorThroughCache', actions: PULL_THROUGH_ACTIONS, resources: [collectorRepository.repositoryArn] }));
    taskDefinition.addContainer('app', {
      image: ContainerImage.fromEcrRepository(Repository.fromRepositoryName(this, 'Repo', props.repositoryName), props.imageTag),
      environment,
      secrets: { OPERATOR_TOKEN: EcsSecret.fromSecretsManager(operatorToken) },
      portMappings: [{ containerPort: props.port }],
      // SIGTERM to SIGKILL: the budget the app's drain and flush are cut from (stopBudget.ts).
      stopTimeout: Duration.seconds(STOP_GRACE_SECONDS),
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${props.port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      logging: LogDriver.awsLogs({ logGroup, streamPrefix: app }),
    });

    this.alarmOnAppMetrics(app, ownQueues.length > 0, ownTopics.length > 0);
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS2',
      reason: 'The environment holds configuration only (prefix, topic ARN, queue URLs, table name, the collector\'s configuration); the one secret, OPERATOR_TOKEN, comes from Secrets Manager',
    });
    Validations.of(taskDefinition.obtainExecutionRole().node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, added by CDK for the image pull, has no resource-level permission; the pull actions are scoped to the app\'s repository',
    });
    Validations.of(this.taskRole.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (statement CollectorSendsTraces) take no resource ARN: "*" is the only resource they accept',
    });

    const fixed = props.scaling === undefined;
    this.service = new FargateService(this, 'Service', {
      serviceName: names.service,
      cluster: props.cluster,
      taskDefinition,
      desiredCount: props.scaling?.minTasks ?? 1,
      // A singleton must never run twice, not even during a deployment.
      minHealthyPercent: fixed ? 0 : 100,
      maxHealthyPercent: fixed ? 100 : 200,
      circuitBreaker: { rollback: true },
      assignPublicIp: false,
    });

    const mainQueue = ownQueues.find((q) => q.key === 'main') ?? ownQueues[0];
    if (props.scaling && mainQueue) this.scaleOnBacklog(props.scaling, mainQueue.name, props.cluster.clusterName);
  }

  /**
   * The twins of the compose stack's Prometheus rules, on the app's own metrics (the collector
   * writes them to CloudWatch): an alarm per dead-letter reason, one on handler failures, one on
   * the publish failure rate; each to the mesh's alarm topic, when it fires and when it is over.
   */
  private alarmOnAppMetrics(app: string, consumes: boolean, publishes: boolean): void {
    const topic = Topic.fromTopicArn(this, 'AlarmTopic', messagingNames.topicArn(this, alarmTopicName(this.prefix)));
    const metric = (metricName: string, minutes: number, dimensions: Record<string, string> = {}) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: app, ...dimensions }, statistic: 'Sum', period: Duration.minutes(minutes) });
    const alarm = (id: string, props: Omit<ConstructorParameters<typeof Alarm>[2], 'evaluationPeriods'>) => {
      const created = new Alarm(this, id, { treatMissingData: TreatMissingData.NOT_BREACHING, evaluationPeriods: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD, ...props });
      created.addAlarmAction(new SnsAction(topic));
      created.addOkAction(new SnsAction(topic));
    };
    if (consumes) {
      for (const code of DEAD_LETTER_CODES) {
        alarm(`DeadLettered-${code}`, {
          alarmName: `${this.prefix}-${app}-dead-lettered-${code.toLowerCase().replaceAll('_', '-')}`,
          alarmDescription: `${app} sent events to its DLQ because of ${code} (more than ${ALARM_THRESHOLDS.deadLettered} in a minute): npm run events -- peek, then redrive`,
          metric: metric('events_dead_lettered_total', 1, { code }),
          threshold: ALARM_THRESHOLDS.deadLettered,
        });
      }
      alarm('HandlerFailures', {
        alarmName: `${this.prefix}-${app}-handler-failures`,
        alarmDescription: `${app}'s handlers failed more than ${ALARM_THRESHOLDS.handlerFailures} times in 5 minutes (each is retried, then dead-lettered)`,
        metric: metric('events_failed_total', 5),
        threshold: ALARM_THRESHOLDS.handlerFailures,
      });
    }
    if (publishes) {
      alarm('PublishFailures', {
        alarmName: `${this.prefix}-${app}-publish-failures`,
        alarmDescription: `More than ${ALARM_THRESHOLDS.publishFailurePercent} % of ${app}'s publishes did not reach SNS in 5 minutes`,
        metric: new MathExpression({
          expression: '100 * failed / (published + failed)',
          usingMetrics: { failed: metric('events_publish_failures_total', 5), published: metric('events_published_total', 5) },
          label: `${app} publish failures %`,
          period: Duration.minutes(5),
        }),
        threshold: ALARM_THRESHOLDS.publishFailurePercent,
      });
    }
  }

  /** Target tracking on (visible messages ÷ running tasks), the AWS-recommended metric for queue workers. */
  private scaleOnBacklog(scaling: AppScaling, queueName: string, clusterName: string): void {
    const target = new ScalableTarget(this, 'Scaling', {
      serviceNamespace: ServiceNamespace.ECS,
      resourceId: `service/${clusterName}/${this.service.serviceName}`,
      scalableDimension: 'ecs:service:DesiredCount',
      minCapacity: scaling.minTasks,
      maxCapacity: scaling.maxTasks,
    });
    new CfnScalingPolicy(this, 'BacklogPerTask', {
      policyName: `${this.service.serviceName}-backlog-per-task`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: scaling.backlogPerTask,
        scaleInCooldown: 120,
        scaleOutCooldown: 30,
        customizedMetricSpecification: {
          metrics: [
            { id: 'visible', returnData: false, metricStat: { stat: 'Sum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: queueName }] } } },
            { id: 'tasks', returnData: false, metricStat: { stat: 'Average', metric: { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensions: [{ name: 'ClusterName', value: clusterName }, { name: 'ServiceName', value: this.service.serviceName }] } } },
            { id: 'backlogPerTask', label: 'messages waiting per task', returnData: true, expression: 'visible / IF(tasks > 0, tasks, 1)' },
          ],
        },
      },
    });
  }
}
