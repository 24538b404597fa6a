// Which broker npm start uses: the embedded emulator unless --endpoint or --aws says otherwise.
import { parseArgs } from 'node:util';

/** Where `npm start` puts its topics and queues. */
export type StartTarget =
  | { kind: 'emulator' }
  | { kind: 'endpoint'; url: string }
  | { kind: 'aws' };

export interface TargetChoice {
  target: StartTarget;
  /** Variables of the shell that would have steered an AWS client, and are not used: said once at start. */
  ignored: string[];
}

const AWS_SHELL_VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL'];

/**
 * The embedded emulator, whatever the shell holds: an engineer's AWS_PROFILE or keys never make
 * `npm start` create resources in an account. Another broker is asked for explicitly:
 * `--endpoint <url>` (or EVENTS_ENDPOINT) for LocalStack or a running fauxqs, `--aws` (or
 * EVENTS_TARGET=aws) for the account the default credential chain reaches.
 */
export function chooseTarget(argv: readonly string[], env: NodeJS.ProcessEnv): TargetChoice {
  const { values } = parseArgs({ args: [...argv], options: { aws: { type: 'boolean', default: false }, endpoint: { type: 'string' } }, strict: true, allowPositionals: false });
  const named = env['EVENTS_TARGET'];
  if (named !== undefined && !['emulator', 'aws', 'endpoint'].includes(named)) throw new Error(`EVENTS_TARGET must be emulator, endpoint or aws, not "${named}"`);
  const endpoint = values.endpoint ?? env['EVENTS_ENDPOINT'];
  const aws = values.aws || named === 'aws';
  if (aws && endpoint !== undefined) throw new Error('choose one of --aws and --endpoint (EVENTS_TARGET=aws and EVENTS_ENDPOINT)');
  if (named === 'endpoint' && endpoint === undefined) throw new Error('EVENTS_TARGET=endpoint needs EVENTS_ENDPOINT=<url> (or --endpoint <url>)');
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new Error(`--endpoint must be an http(s) URL, not "${endpoint}"`);
  const target: StartTarget = aws ? { kind: 'aws' } : endpoint !== undefined ? { kind: 'endpoint', url: endpoint } : { kind: 'emulator' };
  const ignored = target.kind === 'aws' ? [] : AWS_SHELL_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '');
  return { target, ignored };
}
