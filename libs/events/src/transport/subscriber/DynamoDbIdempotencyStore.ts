// The idempotency store replicas share: claims in DynamoDB with conditional writes and a TTL.
import type * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bounded } from '../bounded';
import type { ClaimOutcome, IdempotencyStore, PackClaim } from './idempotency';

export interface DynamoDbIdempotencyStoreOptions {
  dynamodb: DynamoDBClient;
  /** A table with a string partition key `id` and TTL on the `expiration` attribute (CDK creates it). */
  tableName: string;
  /** Longest wait for one DynamoDB answer. @defaultValue 5_000 */
  requestTimeoutMs?: number;
  now?: () => number;
}

/** The DynamoDB actions this store calls, for least-privilege grants: nothing else is used. */
export const DYNAMODB_IDEMPOTENCY_ACTIONS = ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/**
 * The SDK's commands, loaded on the store's first call: a service without the shared store (every
 * local run, every consumer that does not scale) never loads the DynamoDB client (4 MiB of RSS).
 */
let commands: Promise<typeof DynamoDbSdk> | undefined;
const dynamoDb = () => (commands ??= import('@aws-sdk/client-dynamodb'));
/** The conditional write found the item otherwise (by name: the class is loaded lazily). */
const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

const IN_PROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';
/** A pack given up with some of its events done (`done`: their places, comma-separated); claimable. */
const RELEASED = 'RELEASED';

/**
 * An idempotency store shared by every replica of a consumer, after AWS Lambda Powertools'
 * idempotency utility: one item per event id with `status` (INPROGRESS / COMPLETED), `expiration`
 * in epoch seconds (the table's TTL attribute) and `in_progress_expiration` in ms. The claim is one
 * conditional put: it succeeds when there is no item, when the item has expired (TTL deletes
 * lazily), or when an in-progress claim timed out (its holder died); so two replicas claiming the
 * same event at once get 'claimed' once.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbIdempotencyStoreOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  async claim(id: string, inProgressTtlMs: number): Promise<ClaimOutcome> {
    const now = this.now();
    const inProgressUntil = now + inProgressTtlMs;
    const command = new (await dynamoDb()).PutItemCommand({
      TableName: this.options.tableName,
      Item: {
        id: { S: id },
        status: { S: IN_PROGRESS },
        in_progress_expiration: { N: String(inProgressUntil) },
        // TTL removes an abandoned claim some time after it stopped mattering.
        expiration: { N: String(Math.ceil(inProgressUntil / 1000) + 3_600) },
      },
      ConditionExpression: 'attribute_not_exists(id) OR expiration < :nowSeconds OR (#status = :inProgress AND in_progress_expiration < :nowMs)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':nowSeconds': { N: String(Math.floor(now / 1000)) }, ':nowMs': { N: String(now) }, ':inProgress': { S: IN_PROGRESS } },
    });
    try {
      await this.bound('PutItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal }));
      return 'claimed';
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    return this.heldBy(id);
  }

  /** Why a claim's condition failed: the item is completed, or someone holds it. */
  private async heldBy(id: string): Promise<'completed' | 'in-progress'> {
    const read = new (await dynamoDb()).GetItemCommand({ TableName: this.options.tableName, Key: { id: { S: id } }, ConsistentRead: true });
    const { Item } = await this.bound('GetItem', (abortSignal) => this.options.dynamodb.send(read, { abortSignal }));
    // Gone between the two calls (released): report in progress, the message comes back for another try.
    return Item?.['status']?.S === COMPLETED ? 'completed' : 'in-progress';
  }

  /**
   * One conditional update per pack: claimable when absent, expired, released, or in progress past
   * its time; the item's `done` (kept across attempts) comes back with the claim.
   */
  async claimPack(id: string, inProgressTtlMs: number): Promise<PackClaim> {
    const now = this.now();
    const inProgressUntil = now + inProgressTtlMs;
    const command = new (await dynamoDb()).UpdateItemCommand({
      TableName: this.options.tableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET #status = :inProgress, in_progress_expiration = :until, expiration = :expiration',
      ConditionExpression: 'attribute_not_exists(id) OR expiration < :nowSeconds OR #status = :released OR (#status = :inProgress AND in_progress_expiration < :nowMs)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':inProgress': { S: IN_PROGRESS },
        ':released': { S: RELEASED },
        ':until': { N: String(inProgressUntil) },
        ':expiration': { N: String(Math.ceil(inProgressUntil / 1000) + 3_600) },
        ':nowSeconds': { N: String(Math.floor(now / 1000)) },
        ':nowMs': { N: String(now) },
      },
      ReturnValues: 'ALL_NEW',
    });
    try {
      const { Attributes } = await this.bound('UpdateItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal }));
      const done = Attributes?.['done']?.S ?? '';
      return { outcome: 'claimed', done: done === '' ? [] : done.split(',').map(Number) };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    return { outcome: await this.heldBy(id), done: [] };
  }

  async releasePack(id: string, done: readonly number[], ttlMs: number): Promise<void> {
    const command = new (await dynamoDb()).UpdateItemCommand({
      TableName: this.options.tableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET #status = :released, done = :done, expiration = :expiration REMOVE in_progress_expiration',
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':released': { S: RELEASED },
        ':inProgress': { S: IN_PROGRESS },
        ':done': { S: done.join(',') },
        ':expiration': { N: String(Math.ceil((this.now() + ttlMs) / 1000)) },
      },
    });
    await this.ignoringConditionFailure(() => this.bound('UpdateItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal })));
  }

  async complete(id: string, ttlMs: number): Promise<void> {
    const command = new (await dynamoDb()).UpdateItemCommand({
      TableName: this.options.tableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET #status = :completed, expiration = :expiration REMOVE in_progress_expiration',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':completed': { S: COMPLETED }, ':expiration': { N: String(Math.ceil((this.now() + ttlMs) / 1000)) } },
    });
    await this.bound('UpdateItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal }));
  }

  async release(id: string): Promise<void> {
    const command = new (await dynamoDb()).DeleteItemCommand({
      TableName: this.options.tableName,
      Key: { id: { S: id } },
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':inProgress': { S: IN_PROGRESS } },
    });
    await this.ignoringConditionFailure(() => this.bound('DeleteItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal })));
  }

  async renew(id: string, inProgressTtlMs: number): Promise<void> {
    const inProgressUntil = this.now() + inProgressTtlMs;
    const command = new (await dynamoDb()).UpdateItemCommand({
      TableName: this.options.tableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET in_progress_expiration = :until, expiration = :expiration',
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':until': { N: String(inProgressUntil) }, ':expiration': { N: String(Math.ceil(inProgressUntil / 1000) + 3_600) }, ':inProgress': { S: IN_PROGRESS } },
    });
    await this.ignoringConditionFailure(() => this.bound('UpdateItem', (abortSignal) => this.options.dynamodb.send(command, { abortSignal })));
  }

  private bound<O>(operation: string, call: (abortSignal: AbortSignal) => Promise<O>): Promise<O> {
    return bounded(`DynamoDB ${operation}`, this.timeoutMs, call);
  }

  /** Released or renewed after it completed (or was taken over): nothing to do. */
  private async ignoringConditionFailure(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }
}
