// The HTTP side every service shares: /health, /ready, /metrics, the operator API's guards, and
// request bodies bounded by the contract.
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { isLoopback } from './config';
import type { EventMetrics } from './metrics';
import type { ServiceLogger } from './logger';
import { httpSpans } from './tracing';

/** A named readiness check: resolves when fine, rejects with the reason when not. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export interface ServiceAppOptions {
  logger: ServiceLogger;
  metrics: EventMetrics;
  readiness: readonly ReadinessCheck[];
  /** When set, every mutating request needs `Authorization: Bearer <token>` (always on ECS). */
  operatorToken?: string | undefined;
}

/**
 * An express app with the endpoints every service has: `/health` (the process is alive),
 * `/ready` (its broker resources answer), `/metrics` (Prometheus). Routes go in `routes`; bad
 * input of any kind gets a 4xx, never a 5xx.
 */
export function createServiceApp(options: ServiceAppOptions, routes: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpSpans());
  app.use(guardMutations(options.operatorToken));
  app.use(express.json({ limit: '64kb' }));
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (error) {
          // The detail (an AWS error may name the account or a role) goes to the log, not to the caller.
          options.logger.warn({ check: name, err: error }, 'readiness check failed');
          return [name, 'failing'] as const;
        }
      }),
    );
    const failing = results.filter(([, status]) => status !== 'ok').map(([name]) => name);
    const status = failing.length === 0 ? 'ready' : failing.every((name) => name === 'publishing') ? 'degraded' : 'not ready';
    res.status(failing.length === 0 ? 200 : 503).json({ status, checks: Object.fromEntries(results) });
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

/**
 * The operator API is internal, and a browser must not be able to drive it from another site:
 * a mutating request must be JSON (a cross-site form or text/plain request cannot be, without a
 * preflight no origin passes), must not come from another site, and carries the operator token
 * when one is configured. Without a token it must name a loopback Host: a page whose name was
 * rebound to 127.0.0.1 (DNS rebinding) still sends its own name, and is refused.
 */
export function guardMutations(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const origin = req.headers.origin;
    const crossOrigin = origin !== undefined && origin !== 'null' ? safeHost(origin) !== req.headers.host : origin === 'null';
    if (req.headers['sec-fetch-site'] === 'cross-site' || crossOrigin) {
      res.status(403).json({ error: 'cross-site requests are refused' });
      return;
    }
    if (token === undefined && !isLoopback(hostnameOf(req.headers.host ?? ''))) {
      res.status(403).json({ error: 'without an operator token, only requests addressed to localhost or 127.0.0.1 are accepted' });
      return;
    }
    // A body must be JSON; a command with no body (POST /time/pause) needs none.
    // (An empty HTML form still names its type: refused like a full one.)
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const contentType = req.headers['content-type'];
    if (hasBody ? !req.is('application/json') : contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
      res.status(415).json({ error: 'send the request as application/json' });
      return;
    }
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'operator token required (Authorization: Bearer …)' });
      return;
    }
    next();
  };
}

/**
 * An operator write whose event could not be published: nothing changed, say so with the reason
 * (the transport's code and message; the cause stays in the publisher's log).
 */
export function notPublished(res: Response, error: unknown, unchanged: string): void {
  const code = (error as { code?: unknown }).code;
  res.status(503).json({ error: `not published: ${unchanged}`, reason: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown', detail: error instanceof Error ? error.message : String(error) });
}

/** The host name of a Host header value: `[::1]:3002` → `[::1]`, `localhost:3002` → `localhost`. */
function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
