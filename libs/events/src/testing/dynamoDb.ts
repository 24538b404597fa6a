// For tests: an in-process DynamoDB (dynalite) for the shared idempotency store.
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../transport/clientConfig';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';

// dynalite ships no types; this is the part used here.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface TestDynamoDb {
  endpoint: string;
  dynamodb: DynamoDBClient;
  /** Creates a table keyed as CDK creates the idempotency table (key `id`; CDK also turns TTL on for `expiration`). */
  createIdempotencyTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** dynalite (the DynamoDB API in-process, conditional writes enforced) on a free port, with a real SDK client. */
export async function startTestDynamoDb(): Promise<TestDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dynamodb = new DynamoDBClient(awsClientConfig({ endpoint, region: 'us-east-1' }));
  return {
    endpoint,
    dynamodb,
    async createIdempotencyTable(name) {
      await dynamodb.send(
        new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] }),
      );
      // dynalite has no UpdateTimeToLive; the store never relies on TTL deletion (it checks `expiration` itself).
      await waitUntilTableExists({ client: dynamodb, maxWaitTime: 10, minDelay: 1 }, { TableName: name });
    },
    async stop() {
      dynamodb.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
