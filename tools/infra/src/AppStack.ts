import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnScalingPolicy, ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { ContainerDependencyCondition, ContainerImage, FargateService, FargateTaskDefinition, LogDriver, Secret as EcsSecret, type ICluster } from 'aws-cdk-lib/aws-ecs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { queueEnvName, TOPIC_ARN_ENV, type ResolvedTopology } from '@game-mesh/events';
import { appAwsNames, TASK_ACTIONS } from '@game-mesh/services';
import { messagingNames } from './names';

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

/** The AWS Distro for OpenTelemetry collector, pinned; it runs beside each app and sends its spans to X-Ray. */
export const ADOT_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3';
/** Its whole configuration: OTLP/HTTP from the app on loopback in, batched, out to X-Ray. Nothing else. */
export const ADOT_CONFIG = [
  'receivers:',
  '  otlp:',
  '    protocols:',
  '      http:',
  '        endpoint: 127.0.0.1:4318',
  'processors:',
  '  batch: {}',
  'exporters:',
  '  awsxray: {}',
  'service:',
  '  pipelines:',
  '    traces:',
  '      receivers: [otlp]',
  '      processors: [batch]',
  '      exporters: [awsxray]',
  '',
].join('\n');

/**
 * One app on Fargate: task definition with its environment, health check, stop timeout and log
 * group; a least-privilege task role; and, for a consumer that may scale, scaling on backlog per task
 * and the idempotency table its replicas share (an in-memory store protects one task only).
 */
export class AppStack extends Stack {
  readonly service: FargateService;
  readonly taskRole: Role;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { app, topology } = props;
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
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
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
      environment['IDEMPOTENCY_TABLE'] = table.tableName;
    }
    for (const topic of ownTopics) environment[TOPIC_ARN_ENV] = messagingNames.topicArn(this, topic.name);
    for (const queue of ownQueues) {
      environment[queueEnvName('QUEUE', queue.key)] = messagingNames.queueUrl(queue.name);
      environment[queueEnvName('DLQ', queue.key)] = messagingNames.queueUrl(queue.deadLetterQueueName);
    }

    const taskDefinition = new FargateTaskDefinition(this, 'Task', { cpu: 256, memoryLimitMiB: 512, taskRole: this.taskRole, family: `${topology.prefix}-${app}` });
    const logGroup = new LogGroup(this, 'Logs', { logGroupName: names.logGroup, retention: RetentionDays.ONE_MONTH });
    // The operator API always needs a token on ECS; the execution role (not the task role) reads it.
    const operatorToken = new Secret(this, 'OperatorToken', {
      secretName: `${topology.prefix}/${app}/operator-token`,
      description: `Bearer token of ${app}'s operator API`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const collector = taskDefinition.addContainer('otel-collector', {
      image: ContainerImage.fromRegistry(ADOT_COLLECTOR_IMAGE),
      essential: false,
      environment: { AOT_CONFIG_CONTENT: ADOT_CONFIG },
      memoryReservationMiB: 64,
      logging: LogDriver.awsLogs({ logGroup, streamPrefix: 'otel-collector' }),
    });
    const appContainer = taskDefinition.addContainer('app', {
      image: ContainerImage.fromEcrRepository(Repository.fromRepositoryName(this, 'Repo', props.repositoryName), props.imageTag),
      environment,
      secrets: { OPERATOR_TOKEN: EcsSecret.fromSecretsManager(operatorToken) },
      portMappings: [{ containerPort: props.port }],
      // The app drains within SHUTDOWN_TIMEOUT_MS (25 s) + 4 s: inside ECS's 30 s before SIGKILL.
      stopTimeout: Duration.seconds(30),
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${props.port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      logging: LogDriver.awsLogs({ logGroup, streamPrefix: app }),
    });

    appContainer.addContainerDependencies({ container: collector, condition: ContainerDependencyCondition.START });

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
