// `npm run events -- <command>`: operate the mesh against fauxqs, LocalStack or AWS.
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ContractError } from '@game-mesh/events';
import { loadServiceDeclarations } from '@game-mesh/services';
import { createContext, type OpsContext } from './context';
import { createAwsInsight } from './awsChecks';
import { doctor, printChecks } from './doctor';
import { peek } from './peek';
import { publishEvent } from './publish';
import { progressPrinter, redrive } from './redrive';
import { tail } from './tail';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = fileURLToPath(new URL('../../..', import.meta.url));
/** Each declared service on its declared port, as `npm start` runs them. */
const declarations = loadServiceDeclarations(root);
const DEFAULT_SERVICES = declarations.map((d) => `${d.name}=http://localhost:${d.port}`).join(',');

const program = new Command('events')
  .description('Operate the game event mesh: check it, look into queues, watch and publish events, redrive DLQs.')
  .addOption(new Option('--prefix <name>', 'environment prefix of every topic and queue').env('EVENTS_PREFIX').default('local'))
  .addOption(new Option('--endpoint <url>', 'SNS/SQS endpoint (fauxqs, LocalStack); omit for AWS').env('AWS_ENDPOINT_URL'))
  .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION').default('us-east-1'))
  .addOption(new Option('--timeout <ms>', 'longest wait for one answer from SNS/SQS').argParser((v) => positiveInt(v, '--timeout')).default(10_000))
  .showHelpAfterError()
  .exitOverride();

const context = (): OpsContext => {
  const { prefix, endpoint, region, timeout } = program.opts<{ prefix: string; endpoint?: string; region: string; timeout: number }>();
  return createContext({ prefix, endpoint, region, timeoutMs: timeout }, { out: (line) => console.log(line), err: (line) => console.error(line) });
};

program
  .command('doctor')
  .description('check topics, subscriptions, queue policies, DLQs, depths, each service’s /ready, and on AWS task-role permissions, logged errors, SNS delivery failures, message age, reprocessing and lag against scaling; exit 1 when anything fails')
  .option('--json', 'print the checks as JSON')
  .option('--services <list>', 'name=url pairs whose /ready to check', DEFAULT_SERVICES)
  .option('--no-services', 'skip the services’ /ready')
  .action(async (options: { json?: boolean; services: string | false }) => {
    const ctx = context();
    const services = options.services === false ? {} : Object.fromEntries(options.services.split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    const { endpoint, region, timeout } = program.opts<{ endpoint?: string; region: string; timeout: number }>();
    // Against AWS (no endpoint): CloudWatch, Logs, IAM and ECS answer the rest of the checklist.
    const aws = endpoint ? undefined : { insight: createAwsInsight({ region, timeoutMs: timeout }), declarations };
    const checks = await doctor(ctx, { services, ...(aws ? { aws } : {}) });
    printChecks(ctx, checks, options.json === true);
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
  });

program
  .command('peek')
  .description('show messages of a queue without consuming them, decoded and validated against the contract')
  .argument('<queue>', 'queue name, or short: sample-consumer, sample-consumer.severe, sample-consumer-dlq')
  .option('-n, --max <count>', 'how many messages at most', (v) => positiveInt(v, '--max'), 10)
  .option('--json', 'print JSON')
  .action(async (queue: string, options: { max: number; json?: boolean }) => {
    await peek(context(), queue, { max: options.max, json: options.json === true });
  });

program
  .command('tail')
  .description('watch live events through a temporary queue, removed again on exit (also on Ctrl-C)')
  .argument('<type...>', 'event types, e.g. weather.changed time.changed')
  .option('-n, --max <count>', 'stop after this many events', (v) => positiveInt(v, '--max'))
  .option('--json', 'one JSON event per line')
  .action(async (types: string[], options: { max?: number; json?: boolean }) => {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await tail(context(), types, { signal: stop.signal, json: options.json === true, ...(options.max === undefined ? {} : { max: options.max }) });
  });

program
  .command('publish')
  .description('publish an event, validated against the contract first (a bad payload sends nothing)')
  .argument('<type>', 'event type, e.g. weather.changed')
  .argument('<json>', 'the data, as JSON')
  .action(async (type: string, json: string) => {
    await publishEvent(context(), type, json);
  });

program
  .command('redrive')
  .description('move dead-lettered messages back to their source queue, attributes kept')
  .argument('<dlq>', 'dead-letter queue, e.g. sample-consumer-dlq or local-sample-consumer-dlq')
  .option('--dry-run', 'say what would move, change nothing')
  .option('--manual', 'move message by message even where StartMessageMoveTask exists')
  .option('--max <n>', 'move at most n messages (never more than the DLQ held at the start)', (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--max must be a whole number of at least 1');
    return n;
  })
  .action(async (dlq: string, options: { dryRun?: boolean; manual?: boolean; max?: number }) => {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const tty = process.stderr.isTTY === true;
    await redrive(context(), dlq, { dryRun: options.dryRun === true, manual: options.manual === true, ...(options.max === undefined ? {} : { max: options.max }), signal: stop.signal, progress: progressPrinter((t) => process.stderr.write(t), tty) });
    if (tty) process.stderr.write('\n');
  });

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1.`);
  return n;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; argument errors exit 2 (commander has printed the message).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof ContractError) {
    console.error(`refused, nothing sent: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`events: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exitCode = 1;
  }
}
