import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { EventMetrics } from './metrics';
import type { ServiceLogger } from './logger';

/** A named readiness check: resolves when fine, rejects with the reason when not. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export interface ServiceAppOptions {
  logger: ServiceLogger;
  metrics: EventMetrics;
  readiness: readonly ReadinessCheck[];
}

/**
 * An express app with the endpoints every service has: `/health` (the process is alive),
 * `/ready` (its broker resources answer), `/metrics` (Prometheus). Routes go in `routes`; bad
 * input of any kind gets a 4xx, never a 5xx.
 */
export function createServiceApp(options: ServiceAppOptions, routes: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? `${error.name}: ${error.message}` : String(error)] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  routes(app);
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  app.use(errorHandler(options.logger));
  return app;
}

/** Parses a request body with zod; on failure answers 400 naming each wrong field and returns undefined. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request, res: Response): z.output<S> | undefined {
  const result = schema.safeParse(req.body ?? {});
  if (result.success) return result.data;
  res.status(400).json({
    error: 'invalid body',
    issues: result.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })),
  });
  return undefined;
}

function errorHandler(logger: ServiceLogger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : 500;
    if (status >= 400 && status < 500) {
      // body-parser's errors: malformed JSON, too large, wrong charset.
      res.status(status).json({ error: error instanceof Error ? error.message : 'bad request' });
      return;
    }
    logger.error({ err: error }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  };
}

/** Readiness checks that the service's own topic and queues exist and answer. */
export function brokerReadiness(clients: { sns: SNSClient; sqs: SQSClient }, resources: { topicArn?: string | undefined; queues?: Readonly<Record<string, string>> }): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  const { topicArn } = resources;
  if (topicArn !== undefined) {
    checks.push({ name: 'topic', check: async () => void (await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))) });
  }
  for (const [name, url] of Object.entries(resources.queues ?? {})) {
    checks.push({ name: `queue:${name}`, check: async () => void (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))) });
  }
  return checks;
}
