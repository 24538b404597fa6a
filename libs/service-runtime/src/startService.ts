import type { Server } from 'node:http';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbIdempotencyStore, type Catalog, type IdempotencyStore, type Publisher, type Subscriber } from '@game-mesh/events';
import type { Express } from 'express';
import type { z } from 'zod';
import { createAwsClients, createDynamoDbClient } from './awsClients';
import { EventStreams } from './EventStreams';
import { ConfigError, loadConfig, type baseEnvSchema } from './config';
import { logPublisher, logSubscriber } from './eventLogging';
import { brokerReadiness, createServiceApp, type ReadinessCheck } from './http';
import { handleShutdown, listen, type ShutdownStep } from './lifecycle';
import { createLogger, type ServiceLogger } from './logger';
import { EventMetrics } from './metrics';
import { queueDepths } from './queueStats';
import { startTracing } from './tracing';

type BaseConfig = z.output<ReturnType<typeof baseEnvSchema>>;

export interface ServiceContext<Config extends BaseConfig> {
  config: Config;
  logger: ServiceLogger;
  /** Absent in log-only mode: there is no broker to talk to. */
  clients: { sns: SNSClient; sqs: SQSClient } | undefined;
  /** Open server-sent event streams: capped, and closed first on shutdown. */
  streams: EventStreams;
  /** The store replicas share when IDEMPOTENCY_TABLE is set; undefined: each subscriber remembers in memory. */
  idempotencyStore: IdempotencyStore | undefined;
}

/** What an app builds from its context; `startService` does the wiring common to every app. */
export interface ServiceParts<C extends Catalog> {
  publisher?: Publisher<C>;
  /** Subscribers by queue name (for metrics, logs and readiness). */
  subscribers?: Readonly<Record<string, { subscriber: Subscriber<C>; queueUrl: string; deadLetterQueueUrl?: string | undefined }>>;
  topicArn?: string | undefined;
  routes: (app: Express) => void;
  /** Extra readiness checks. */
  readiness?: readonly ReadinessCheck[];
  /** Started after the subscribers, stopped first on shutdown (timers, simulations). */
  start?: () => void;
  stop?: () => void;
}

export interface ServiceDefinition<Config extends BaseConfig, C extends Catalog> {
  name: string;
  envSchema: z.ZodType<Config>;
  /** Variables that must be set unless EVENTS_MODE=log-only. */
  requiredWithBroker?: readonly string[];
  build: (context: ServiceContext<Config>) => ServiceParts<C>;
}

export interface StartedService {
  server: Server;
  port: number;
  logger: ServiceLogger;
  shutdown: () => Promise<void>;
}

/**
 * Reads the environment once (exit 1 listing every bad variable), builds the logger and the AWS
 * clients once, lets the app build its parts, starts consuming, listens, and wires SIGTERM.
 */
export async function startService<Config extends BaseConfig, C extends Catalog>(
  definition: ServiceDefinition<Config, C>,
  env: NodeJS.ProcessEnv = process.env,
  /** Tests run services in-process and replace the exit. */
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<StartedService> {
  let config: Config;
  try {
    config = loadConfig(definition.envSchema, env, definition.requiredWithBroker);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${definition.name}: ${error.message}\n`);
    exit(1);
    throw error;
  }
  const tracing = startTracing(definition.name, env);
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const clients = config.EVENTS_MODE === 'sns' ? createAwsClients(config) : undefined;
  if (!clients) logger.warn({ eventsMode: 'log-only' }, 'EVENTS_MODE=log-only: not connected to any broker; events are logged, not sent or received');
  const streams = new EventStreams();
  const idempotencyStore = clients && config.IDEMPOTENCY_TABLE ? new DynamoDbIdempotencyStore({ dynamodb: createDynamoDbClient(config), tableName: config.IDEMPOTENCY_TABLE }) : undefined;
  if (idempotencyStore) logger.info({ table: config.IDEMPOTENCY_TABLE }, 'idempotency store shared through DynamoDB');
  const parts = definition.build({ config, logger, clients, streams, idempotencyStore });
  const subscribers = Object.entries(parts.subscribers ?? {});
  const watched = Object.fromEntries(subscribers.flatMap(([name, s]) => [[name, s.queueUrl], ...(s.deadLetterQueueUrl ? [[`${name}-dlq`, s.deadLetterQueueUrl]] : [])]));
  const metrics = new EventMetrics(definition.name, clients && subscribers.length > 0 ? () => queueDepths(clients.sqs, watched) : undefined);
  if (parts.publisher) {
    metrics.observePublisher(parts.publisher);
    logPublisher(parts.publisher, logger);
  }
  for (const [queue, { subscriber }] of subscribers) {
    metrics.observeSubscriber(subscriber, queue);
    logSubscriber(subscriber, logger, queue);
  }
  const readiness: ReadinessCheck[] = [
    ...(clients ? brokerReadiness(clients, { topicArn: parts.topicArn, queues: Object.fromEntries(subscribers.map(([name, s]) => [name, s.queueUrl])) }) : []),
    ...subscribers.map(([name, { subscriber }]) => ({
      name: `consuming:${name}`,
      check: async () => {
        if (!subscriber.isRunning) throw new Error('not consuming');
      },
    })),
    ...(parts.publisher ? [publishingReadiness(parts.publisher)] : []),
    ...(parts.readiness ?? []),
  ];
  const app = createServiceApp({ logger, metrics, readiness, operatorToken: config.OPERATOR_TOKEN }, parts.routes);
  await Promise.all(subscribers.map(([, { subscriber }]) => subscriber.start()));
  parts.start?.();
  const server = await listen(app, config.PORT, config.HOST);
  const port = (server.address() as { port: number }).port;
  const steps: ShutdownStep[] = [
    {
      name: 'app',
      run: async () => {
        streams.closeAll();
        parts.stop?.();
      },
    },
    // Every queue stops polling at once and all drain together, within one deadline.
    { name: 'subscribers', run: () => stopAll(subscribers.map(([name, { subscriber }]) => [name, () => subscriber.stop()])) },
    ...(parts.publisher ? [{ name: 'publisher', run: () => parts.publisher?.close() ?? Promise.resolve() }] : []),
    // Last: the spans of the drain and the final publishes go out too.
    { name: 'traces', run: () => tracing.shutdown() },
  ];
  const shutdown = handleShutdown({ logger, server, steps, timeoutMs: config.SHUTDOWN_TIMEOUT_MS + 4_000, exit });
  logger.info({ port, eventsMode: config.EVENTS_MODE, traces: tracing.exporter }, `${definition.name} ready on port ${port}`);
  return { server, port, logger, shutdown };
}


async function stopAll(stops: readonly (readonly [string, () => Promise<void>])[]): Promise<void> {
  const results = await Promise.allSettled(stops.map(([, stop]) => stop()));
  const failed = results.flatMap((result, i) => (result.status === 'rejected' ? [`${stops[i]?.[0]}: ${String(result.reason)}`] : []));
  if (failed.length > 0) throw new Error(`subscribers failed to stop: ${failed.join('; ')}`);
}

/** Degraded while publishes keep failing: the last one failed and none succeeded since. */
function publishingReadiness<C extends Catalog>(publisher: Publisher<C>): ReadinessCheck {
  let lastSuccess = 0;
  let lastFailure: { at: number; reason: string } | undefined;
  publisher.on('published', () => (lastSuccess = Date.now()));
  publisher.on('publish-failed', ({ reason }) => (lastFailure = { at: Date.now(), reason }));
  return {
    name: 'publishing',
    check: async () => {
      if (lastFailure && lastFailure.at >= lastSuccess) throw new Error(`publishes failing since ${new Date(lastFailure.at).toISOString()} (${lastFailure.reason})`);
    },
  };
}
