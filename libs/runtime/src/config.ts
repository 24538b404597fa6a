// The environment every service reads, checked once at start, every problem named.
import { DRAIN_MS, STOP_GRACE_SECONDS } from '@game-mesh/events';
import { z } from 'zod';

/** Configuration is wrong; the message lists every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads the environment once, at start-up, through a zod schema. Every problem is collected into
 * one {@link ConfigError} so an operator fixes them all in one go.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, requiredWithBroker: readonly string[] = []): z.output<S> {
  const result = schema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  // Checked on the raw environment so that these are listed even when other variables are wrong.
  if (env['EVENTS_MODE'] !== 'log-only') {
    for (const name of requiredWithBroker) {
      if (!env[name]) problems.push(`${name}: required when EVENTS_MODE=sns (set EVENTS_MODE=log-only to run without a broker)`);
    }
  }
  // Closed by default: an operator API the network reaches needs a token, or a deliberate "none".
  const host = env['HOST'] || DEFAULT_HOST;
  if (!isLoopback(host) && !env['OPERATOR_TOKEN'] && env['OPERATOR_AUTH'] !== 'none') {
    problems.push(`HOST=${host} opens the operator API to the network: set OPERATOR_TOKEN (16+ characters), or OPERATOR_AUTH=none to serve it without one on purpose`);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/** Where a service listens unless told: this machine only. */
export const DEFAULT_HOST = '127.0.0.1';

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback).describe('HTTP port (0: any free port); the default is the one service.json declares.');

/** Variables every service reads; each app extends this with its own. */
export function baseEnvSchema(defaultPort: number) {
  return z.object({
    PORT: port(defaultPort),
    HOST: z.string().min(1).default(DEFAULT_HOST).describe('Interface to listen on: loopback unless set; the images set 0.0.0.0.'),
    OPERATOR_TOKEN: z.string().min(16).optional().describe('When set, mutating requests need Authorization: Bearer <token>; on ECS it comes from Secrets Manager.'),
    OPERATOR_AUTH: z.literal('none').optional().describe('"none": serve the operator API with no token on a non-loopback HOST, on purpose (the compose file, whose ports are bound to the host\'s loopback).'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino level of the JSON logs.'),
    AWS_REGION: z.string().min(1).default('us-east-1').describe('Region of the topics and queues.'),
    AWS_ENDPOINT_URL: z.url().optional().describe('SNS/SQS endpoint (fauxqs, LocalStack); unset on AWS.'),
    EVENTS_MODE: z.enum(['sns', 'log-only']).default('sns').describe('"log-only": publish nothing, consume nothing, log every event.'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(DRAIN_MS).default(DRAIN_MS)
      .describe(`How long in-flight handlers get to finish on SIGTERM; at most ${DRAIN_MS} ms, what the ${STOP_GRACE_SECONDS} s before SIGKILL leaves.`),
    IDEMPOTENCY_TABLE: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)').optional()
      .describe('DynamoDB table shared by replicas to apply each event once across them; unset: per-process memory.'),
    AWS_ENDPOINT_URL_DYNAMODB: z.url().optional().describe('DynamoDB endpoint (dynalite, LocalStack); unset on AWS.'),
  });
}

const arn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'must be an SNS topic ARN');

export const topicArnSchema = arn.optional().describe('ARN of the topic this service publishes to.');
export const queueUrlSchema = z.url().optional().describe('URL of a queue this service consumes.');
