// The broker side of a service, derived from its declaration: which variables it reads, its
// publisher, and one subscriber per declared queue with the app's handlers registered on it.
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getEventType, Publisher, queueEnvName, Subscriber, TOPIC_ARN_ENV, type Catalog, type IdempotencyStore, type Logger, type ServiceDeclaration } from '@game-mesh/events';
import type { z } from 'zod';
import { baseEnvSchema, queueUrlSchema, topicArnSchema } from './config';
import type { AnyServiceDefinition, ConsumeOptions, Readers } from './serviceDefinition';

/** The variables of a service's topic and queues, and the ones it cannot run without unless EVENTS_MODE=log-only. */
export function brokerVariables(declaration: ServiceDeclaration): { shape: Record<string, z.ZodOptional<z.ZodType>>; required: string[] } {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  const required: string[] = [];
  if (declaration.publishes.length > 0) {
    shape[TOPIC_ARN_ENV] = topicArnSchema;
    required.push(TOPIC_ARN_ENV);
  }
  for (const key of Object.keys(declaration.consumes)) {
    shape[queueEnvName('QUEUE', key)] = queueUrlSchema.describe(`URL of its "${key}" queue (printed by npm run topology).`);
    shape[queueEnvName('DLQ', key)] = queueUrlSchema.describe(`URL of its "${key}" queue's dead-letter queue.`);
    required.push(queueEnvName('QUEUE', key));
  }
  return { shape, required };
}


/** Every variable a service reads: the base ones, its broker ones (from its declaration), its own settings. */
export function envSchemaOf(definition: AnyServiceDefinition) {
  return baseEnvSchema(definition.declared.declaration.port).extend(brokerVariables(definition.declared.declaration).shape).extend(definition.settings ?? {});
}

type Env = Readonly<Record<string, unknown>>;
const variable = (config: Env, name: string): string | undefined => (typeof config[name] === 'string' ? (config[name] as string) : undefined);

/** Each declared queue's URL and its DLQ's, as the environment gives them (absent: not set). */
export function declaredQueueUrls(declaration: ServiceDeclaration, config: Env): Record<string, { queueUrl: string | undefined; deadLetterQueueUrl: string | undefined }> {
  return Object.fromEntries(
    Object.keys(declaration.consumes).map((key) => [key, { queueUrl: variable(config, queueEnvName('QUEUE', key)), deadLetterQueueUrl: variable(config, queueEnvName('DLQ', key)) }]),
  );
}

/** Its publisher: to its topic (the catalog's, one per producer), or log-only without a broker. */
export function buildPublisher<C extends Catalog>(catalog: C, declaration: ServiceDeclaration, config: Env, sns: SNSClient | undefined, logger: Logger): { publisher: Publisher<C>; topicArn: string | undefined } | undefined {
  const [first] = declaration.publishes;
  if (first === undefined) return undefined;
  const topic = getEventType(catalog, first).topic;
  const topicArn = sns ? variable(config, TOPIC_ARN_ENV) : undefined;
  const transport = sns && topicArn ? { mode: 'sns' as const, sns, topicArns: { [topic]: topicArn } } : { mode: 'log-only' as const };
  return { publisher: new Publisher({ catalog, source: declaration.name, logger, transport }), topicArn };
}

export interface WiredQueue<C extends Catalog> {
  subscriber: Subscriber<C>;
  queueUrl: string;
  deadLetterQueueUrl: string | undefined;
}

type AnyHandler = ((event: never, context: never) => void | Promise<void>) | { inBatches: (events: never, context: never) => unknown };

/**
 * One subscriber per declared queue, each type registered with its handler, the version the
 * declaration reads and its reader schema. Without a broker there is nothing to consume: none.
 */
export function buildSubscribers<C extends Catalog>(
  declared: { catalog: C; declaration: ServiceDeclaration; readers: Readers },
  handlers: Readonly<Record<string, Readonly<Record<string, AnyHandler>>>> | undefined,
  config: Env & { SHUTDOWN_TIMEOUT_MS: number },
  broker: { sqs: SQSClient; idempotencyStore: IdempotencyStore | undefined } | undefined,
  logger: Logger,
  consume: ConsumeOptions = {},
): Record<string, WiredQueue<C>> {
  const { catalog, declaration, readers } = declared;
  checkHandlers(declaration, handlers);
  if (!broker) return {};
  const wired: Record<string, WiredQueue<C>> = {};
  const urls = declaredQueueUrls(declaration, config);
  for (const [key, queue] of Object.entries(declaration.consumes)) {
    const { queueUrl, deadLetterQueueUrl } = urls[key] ?? {};
    if (!queueUrl) throw new Error(`${declaration.name}: ${queueEnvName('QUEUE', key)} is not set`);
    const subscriber = new Subscriber({
      catalog,
      sqs: broker.sqs,
      queueUrl,
      ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      ...consume,
      ...(broker.idempotencyStore ? { idempotencyStore: broker.idempotencyStore } : {}),
    });
    for (const { type, version } of queue.subscriptions) {
      const reads = readers[key]?.[type];
      const handler = handlers?.[key]?.[type] as Parameters<Subscriber<Catalog>['subscribe']>[1] | { inBatches: Parameters<Subscriber<Catalog>['subscribeBatch']>[1] };
      const options = { version: version ?? getEventType(catalog, type).current, ...(reads ? { reads } : {}) } as { version: number };
      if (typeof handler === 'object' && handler !== null && 'inBatches' in handler) subscriber.subscribeBatch(type, handler.inBatches, options);
      else subscriber.subscribe(type, handler, options);
    }
    wired[key] = { subscriber, queueUrl, deadLetterQueueUrl };
  }
  return wired;
}

/** The compiler checks the handler map against the declaration; this catches what a cast hid. */
function checkHandlers(declaration: ServiceDeclaration, handlers: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined): void {
  const declared = Object.entries(declaration.consumes).flatMap(([key, queue]) => queue.subscriptions.map((s) => `${key}/${s.type}`));
  const given = Object.entries(handlers ?? {}).flatMap(([key, types]) => Object.keys(types).map((type) => `${key}/${type}`));
  const missing = declared.filter((pair) => !given.includes(pair));
  const extra = given.filter((pair) => !declared.includes(pair));
  const problems = [...missing.map((pair) => `no handler for ${pair}, which apps/${declaration.name}/service.json declares`), ...extra.map((pair) => `a handler for ${pair}, which apps/${declaration.name}/service.json does not declare`)];
  if (problems.length > 0) throw new Error(`${declaration.name}: its handlers disagree with its declaration:\n- ${problems.join('\n- ')}`);
}
