import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsSettings {
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
  AWS_ENDPOINT_URL_DYNAMODB?: string | undefined;
}

export interface AwsClientLimits {
  /**
   * Longest wait for one HTTP answer. The SDK sets none by default and only logs unless told to
   * throw, so a broker that accepts connections and never answers would hang every call. Above
   * the 20 s long poll. @defaultValue 30_000
   */
  requestTimeoutMs?: number;
  /** Longest wait for a TCP connection. @defaultValue 3_000 */
  connectionTimeoutMs?: number;
}

/** The client settings every SNS/SQS client of the project is built with: region, endpoint, bounded requests. */
export function awsClientConfig(settings: AwsSettings, limits: AwsClientLimits = {}) {
  const endpoint = settings.AWS_ENDPOINT_URL;
  return {
    region: settings.AWS_REGION,
    requestHandler: { requestTimeout: limits.requestTimeoutMs ?? 30_000, connectionTimeout: limits.connectionTimeoutMs ?? 3_000, throwOnRequestTimeout: true },
    ...(endpoint === undefined ? {} : { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/**
 * One SNS and one SQS client per process, built in `main.ts` and passed down. With an endpoint
 * (fauxqs, LocalStack) any credentials do; on AWS the default chain (the ECS task role) applies.
 */
export function createAwsClients(settings: AwsSettings, limits: AwsClientLimits = {}): { sns: SNSClient; sqs: SQSClient } {
  const config = awsClientConfig(settings, limits);
  return { sns: new SNSClient(config), sqs: new SQSClient(config) };
}

/** The DynamoDB client of the shared idempotency store, with the same bounds; its own endpoint locally. */
export function createDynamoDbClient(settings: AwsSettings, limits: AwsClientLimits = {}): DynamoDBClient {
  return new DynamoDBClient(awsClientConfig({ AWS_REGION: settings.AWS_REGION, AWS_ENDPOINT_URL: settings.AWS_ENDPOINT_URL_DYNAMODB }, { requestTimeoutMs: 5_000, ...limits }));
}
