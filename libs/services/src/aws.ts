// What each app may call on AWS and how its resources are named: shared by the CDK stacks, doctor
// and the cost model.
import { DYNAMODB_IDEMPOTENCY_ACTIONS } from '@game-mesh/events';

/**
 * What a task role may call, by what the service does: exactly the calls the runtime makes (the
 * IAM evidence test records them). The CDK grants these; doctor simulates them on AWS.
 */
export const TASK_ACTIONS = {
  /** On its own topic: publish, and read the topic's attributes (what `/ready` checks it with). */
  publisher: ['sns:Publish', 'sns:GetTopicAttributes'],
  /** On its own queues, and nothing else. */
  consumer: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
  /** On its own DLQs: park a message that can never be handled, with its reason; read the depth. */
  deadLetter: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
  /** On the shared idempotency table of a consumer that scales out. */
  idempotency: [...DYNAMODB_IDEMPOTENCY_ACTIONS],
  /** The ADOT collector beside each task sends its spans to X-Ray; these actions take no resource ARN. */
  traces: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  /** The collector writes the app's /metrics to CloudWatch as embedded-metric-format log events, into the app's metrics log group. */
  metrics: ['logs:PutLogEvents', 'logs:CreateLogStream', 'logs:DescribeLogStreams'],
} as const;

/** The CloudWatch namespace the collector writes each app's /metrics into. */
export const METRICS_NAMESPACE = 'GameMesh';

/** The ECS cluster of one environment. */
export const clusterName = (prefix: string): string => `${prefix}-game-mesh`;

/** The AWS names of one app's resources in one environment: the CDK creates them, doctor reads them. */
export function appAwsNames(prefix: string, app: string) {
  return {
    taskRole: `GameMesh-${prefix}-${app}-task`,
    logGroup: `/game-mesh/${prefix}/${app}`,
    metricsLogGroup: `/game-mesh/${prefix}/${app}/metrics`,
    cluster: clusterName(prefix),
    service: `${prefix}-${app}`,
  };
}

/** How tasks in private subnets reach AWS: one NAT gateway, or VPC endpoints (`npm run cost` says which is cheaper at a rate). */
export type Egress = 'nat' | 'endpoints';

/**
 * Every AWS API a task's containers call, by VPC endpoint service name: the app (its topic, its
 * queues, its idempotency table), the ADOT collector (spans to X-Ray, metrics as log events) and
 * Fargate itself for the task (the images from ECR, whose layers are in S3; the logs; the secret
 * it injects). CloudWatch's metrics API is not among them: the metrics arrive as log events.
 */
export const TASK_API_CALLS = {
  app: ['sns', 'sqs', 'dynamodb'],
  collector: ['xray', 'logs'],
  fargate: ['ecr.api', 'ecr.dkr', 's3', 'logs', 'secretsmanager'],
} as const;

/** Reached through gateway endpoints (free) in both egress modes. */
export const GATEWAY_ENDPOINT_SERVICES = ['s3', 'dynamodb'] as const;

/** The rest, each an interface endpoint when there is no NAT. */
export const INTERFACE_ENDPOINT_SERVICES: readonly string[] = [...new Set(Object.values(TASK_API_CALLS).flat())].filter(
  (service) => !(GATEWAY_ENDPOINT_SERVICES as readonly string[]).includes(service),
);
