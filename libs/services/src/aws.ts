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
} as const;

/** The ECS cluster of one environment. */
export const clusterName = (prefix: string): string => `${prefix}-game-mesh`;

/** The AWS names of one app's resources in one environment: the CDK creates them, doctor reads them. */
export function appAwsNames(prefix: string, app: string) {
  return {
    taskRole: `GameMesh-${prefix}-${app}-task`,
    logGroup: `/game-mesh/${prefix}/${app}`,
    cluster: clusterName(prefix),
    service: `${prefix}-${app}`,
  };
}

/** How tasks in private subnets reach AWS: one NAT gateway, or VPC endpoints (`npm run cost` says which is cheaper at a rate). */
export type Egress = 'nat' | 'endpoints';

/**
 * The AWS APIs a task calls, each an interface endpoint when there is no NAT: its queues and topic,
 * its image (ECR API and registry), its logs, its operator token. S3 (image layers) and DynamoDB
 * (idempotency) are gateway endpoints, free, in both modes.
 */
export const INTERFACE_ENDPOINT_SERVICES = ['sqs', 'sns', 'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager'] as const;
