// The AWS SDK clients of a service process: one each, with request timeouts that throw.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig, type AwsClientLimits } from '@game-mesh/events';
import { awsSdkSpans } from './tracing';

export interface AwsSettings {
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
  AWS_ENDPOINT_URL_DYNAMODB?: string | undefined;
}

/**
 * One SNS and one SQS client per process, built in `main.ts` and passed down. With an endpoint
 * (fauxqs, LocalStack) any credentials do; on AWS the default chain (the ECS task role) applies.
 */
export function createAwsClients(settings: AwsSettings, limits: AwsClientLimits = {}): { sns: SNSClient; sqs: SQSClient } {
  const config = awsClientConfig({ region: settings.AWS_REGION, endpoint: settings.AWS_ENDPOINT_URL || undefined }, limits);
  const clients = { sns: new SNSClient(config), sqs: new SQSClient(config) };
  awsSdkSpans(clients.sns);
  awsSdkSpans(clients.sqs);
  return clients;
}

/**
 * The DynamoDB client of the shared idempotency store, with the same bounds; its own endpoint
 * locally. Loaded only here: a service without the shared store never loads the DynamoDB SDK.
 */
export async function createDynamoDbClient(settings: AwsSettings, limits: AwsClientLimits = {}): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient(awsClientConfig({ region: settings.AWS_REGION, endpoint: settings.AWS_ENDPOINT_URL_DYNAMODB }, { requestTimeoutMs: 5_000, ...limits }));
  awsSdkSpans(client);
  return client;
}
