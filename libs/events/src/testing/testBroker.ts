// For tests: one emulator per test file, with SDK clients pointed at it.
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../transport/clientConfig';
import { startLocalEmulator } from './emulator';

export interface TestBroker {
  endpoint: string;
  region: string;
  sns: SNSClient;
  sqs: SQSClient;
  /** New clients for the same endpoint (e.g. to count one side's requests apart). */
  clients(): { sns: SNSClient; sqs: SQSClient };
  stop(): Promise<void>;
}

/** A real fauxqs server on a free loopback port, with real AWS SDK v3 clients pointed at it. */
export async function startTestBroker(): Promise<TestBroker> {
  const server = await startLocalEmulator();
  const endpoint = server.endpoint;
  const region = 'us-east-1';
  const config = awsClientConfig({ endpoint, region });
  const clients = (): { sns: SNSClient; sqs: SQSClient } => ({ sns: new SNSClient(config), sqs: new SQSClient(config) });
  const { sns, sqs } = clients();
  return {
    endpoint,
    region,
    sns,
    sqs,
    clients,
    async stop() {
      sns.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}
