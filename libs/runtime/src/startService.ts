// Runs one service: configuration, clients, publisher and subscribers from its declaration, HTTP,
// readiness and a shutdown that fits the stop budget.
import type { Server } from 'node:http';
import { DynamoDbIdempotencyStore, forcedExitMs, type Catalog, type Publisher, type Subscriber } from '@game-mesh/events';
import type { z } from 'zod';
import { createAwsClients, createDynamoDbClient } from './awsClients';
import { EventStreams } from './EventStreams';
import { ConfigError, loadConfig } from './config';
import { logPublisher, logSubscriber } from './eventLogging';
import { brokerReadiness, createServiceApp, type ReadinessCheck } from './http';
import { handleShutdown, listen, type ShutdownStep } from './lifecycle';
import { createLogger, type ServiceLogger } from './logger';
import { EventMetrics } from './metrics';
import { queueDepths } from './queueStats';
import type { AnyServiceDefinition, ServiceConfig } from './serviceDefinition';
import { startTracing } from './tracing';
import { brokerVariables, buildPublisher, buildSubscribers, declaredQueueUrls, envSchemaOf } from './wiring';

export interface StartedService {
  server: Server;
  port: number;
  logger: ServiceLogger;
  /** Its subscribers by queue key (none in log-only mode). */
  subscribers: Readonly<Record<string, Subscriber<Catalog>>>;
  shutdown: () => Promise<void>;
}

/**
 * Reads the environment once (exit 1 listing every bad variable), builds the logger and the AWS
 * clients once, builds the publisher and one subscriber per queue from the declaration, lets the app
 * build its handlers and routes, starts consuming, listens, and wires SIGTERM.
 */
export async function startService(
  definition: AnyServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
  /** Tests run services in-process and replace the exit. */
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<StartedService> {
  const { catalog, declaration } = definition.declared;
  const { name } = declaration;
  const broker = brokerVariables(declaration);
  let config: ServiceConfig<z.ZodRawShape>;
  try {
    config = loadConfig(envSchemaOf(definition), env, broker.required) as ServiceConfig<z.ZodRawShape>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    exit(1);
    throw error;
  }
  const tracing = await startTracing(name, env);
  const logger = createLogger(name, config.LOG_LEVEL);
  const clients = config.EVENTS_MODE === 'sns' ? createAwsClients(config) : undefined;
  if (!clients) logger.warn({ eventsMode: 'log-only' }, 'EVENTS_MODE=log-only: not connected to any broker; events are logged, not sent or received');
  const streams = new EventStreams();
  const idempotencyStore = clients && config.IDEMPOTENCY_TABLE ? new DynamoDbIdempotencyStore({ dynamodb: await createDynamoDbClient(config), tableName: config.IDEMPOTENCY_TABLE }) : undefined;
  if (idempotencyStore) logger.info({ table: config.IDEMPOTENCY_TABLE }, 'idempotency store shared through DynamoDB');
  const publishing = buildPublisher(catalog, declaration, config, clients?.sns, logger);
  const publisher = publishing?.publisher;
  const watched = Object.fromEntries(
    Object.entries(declaredQueueUrls(declaration, config)).flatMap(([key, urls]) => [
      ...(urls.queueUrl ? [[key, urls.queueUrl] as const] : []),
      ...(urls.deadLetterQueueUrl ? [[`${key}-dlq`, urls.deadLetterQueueUrl] as const] : []),
    ]),
  );
  const depths = clients && Object.keys(watched).length > 0 ? () => queueDepths(clients.sqs, watched) : undefined;
  const parts = definition.build({ config, logger, publisher, streams, queueDepths: depths ?? (async () => ({})) });
  const subscribers = Object.entries(buildSubscribers(definition.declared, parts.handlers, config, clients ? { sqs: clients.sqs, idempotencyStore } : undefined, logger, definition.consume));
  const metrics = new EventMetrics(name, subscribers.length > 0 ? depths : undefined);
  if (publisher) {
    metrics.observePublisher(publisher);
    logPublisher(publisher, logger);
  }
  for (const [queue, { subscriber }] of subscribers) {
    metrics.observeSubscriber(subscriber, queue);
    logSubscriber(subscriber, logger, queue);
  }
  const readiness: ReadinessCheck[] = [
    ...(clients ? brokerReadiness(clients, { topicArn: publishing?.topicArn, queues: Object.fromEntries(subscribers.map(([key, s]) => [key, s.queueUrl])) }) : []),
    ...subscribers.flatMap(([key, { subscriber }]) => [
      {
        name: `consuming:${key}`,
        check: async () => {
          if (!subscriber.isRunning) throw new Error('not consuming');
        },
      },
      {
        // Consuming but starved: every slot held by a handler running past its bound.
        name: `handlers:${key}`,
        check: async () => {
          if (subscriber.isStarved) throw new Error(`every handler slot held past its bound (the oldest for ${Math.round(subscriber.oldestHandlerMs / 1000)} s)`);
        },
      },
    ]),
    ...(publisher ? [publishingReadiness(publisher)] : []),
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
    { name: 'subscribers', run: () => stopAll(subscribers.map(([key, { subscriber }]) => [key, () => subscriber.stop()])) },
    ...(publisher ? [{ name: 'publisher', run: () => publisher.close() }] : []),
    // Last: the spans of the drain and the final publishes go out too.
    { name: 'traces', run: () => tracing.shutdown() },
  ];
  // The drain, then the flush: before the kill (stopBudget.ts).
  const shutdown = handleShutdown({ logger, server, steps, timeoutMs: forcedExitMs(config.SHUTDOWN_TIMEOUT_MS), exit });
  logger.info({ port, eventsMode: config.EVENTS_MODE, traces: tracing.exporter }, `${name} ready on port ${port}`);
  return { server, port, logger, subscribers: Object.fromEntries(subscribers.map(([key, { subscriber }]) => [key, subscriber])), shutdown };
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
