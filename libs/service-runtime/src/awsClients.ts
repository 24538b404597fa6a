import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsSettings {
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
}

/**
 * One SNS and one SQS client per process, built in `main.ts` and passed down. With an endpoint
 * (fauxqs, LocalStack) any credentials do; on AWS the default chain (the ECS task role) applies.
 */
export function createAwsClients(settings: AwsSettings): { sns: SNSClient; sqs: SQSClient } {
  const endpoint = settings.AWS_ENDPOINT_URL;
  const common = {
    region: settings.AWS_REGION,
    ...(endpoint === undefined ? {} : { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
  return { sns: new SNSClient(common), sqs: new SQSClient(common) };
}
