// `npm start`: the whole stack on this machine, no Docker, no AWS account, whatever the shell holds.
// `npm start -- --endpoint <url>` uses another emulator (LocalStack); `npm start -- --aws` an AWS
// account, after saying which account and region.
import { fileURLToPath } from 'node:url';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { formatLine } from './logFormat';
import { launchStack, SERVICES } from './launchStack';
import { chooseTarget } from './target';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = fileURLToPath(new URL('../..', import.meta.url));
const color = process.stdout.isTTY === true;
const names = ['emulator', 'topology', ...SERVICES];
const onLine = (service: string, line: string) => console.log(formatLine(service, names.indexOf(service), line, color));

const fail = (error: unknown): never => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
};
const { target, ignored } = (() => {
  try {
    return chooseTarget(process.argv.slice(2), process.env);
  } catch (error) {
    return fail(error);
  }
})();
if (ignored.length > 0) console.log(`${ignored.join(', ')} set in this shell: not used (the embedded emulator is the default; npm start -- --aws uses them)`);
const endpoint = target.kind === 'endpoint' ? target.url : undefined;
const useAws = target.kind === 'aws';
let region = process.env['AWS_REGION'] ?? 'us-east-1';
if (useAws) {
  // The region and account the default credential chain reaches, said before anything is created;
  // a profile without a region is refused rather than defaulted.
  const sts = new STSClient({});
  try {
    region = await sts.config.region().catch(() => {
      throw new Error(`no AWS region for ${process.env['AWS_PROFILE'] ? `profile ${process.env['AWS_PROFILE']}` : 'these credentials'}: set AWS_REGION or the profile's region`);
    });
    const { Account, Arn } = await sts.send(new GetCallerIdentityCommand({}));
    console.log(`--aws: creating topics and queues (prefix ${process.env['EVENTS_PREFIX'] ?? 'local'}) in account ${Account} (${Arn}), region ${region}`);
  } catch (error) {
    fail(error);
  } finally {
    sts.destroy();
  }
}
const stack = await launchStack({
  root,
  endpoint,
  useAws,
  emulatorPort: Number(process.env['EMULATOR_PORT'] ?? 4566),
  basePort: Number(process.env['START_BASE_PORT'] ?? 3000),
  region,
  prefix: process.env['EVENTS_PREFIX'] ?? 'local',
  onLine,
}).catch(fail);

const { services, service } = stack;
/** What to look at on the game's services; any other declared service shows its URL. */
const HINTS: Record<string, string> = {
  'sample-consumer': ' · /state · /events',
  'weather-manager': ' · /weather (PUT it to change the weather)',
  'time-manager': ' · /time',
  inventory: ' · /players/<id> (POST …/grant or …/spend to change one)',
};
const bold = (text: string) => (color ? `\u001b[1m${text}\u001b[0m` : text);
console.log(`
${bold('Game event mesh is running.')} Events flow from the producers → SNS → SQS → consumers.

  ${bold('Live page')}        ${service('sample-consumer').url}/
${SERVICES.map((name) => `  ${name.padEnd(16)} ${service(name).url}${HINTS[name] ?? ''}`).join('\n')}
  metrics          /metrics on each service · health: /health, /ready
  broker           ${stack.endpoint}${endpoint === undefined && !useAws ? ' (embedded fauxqs)' : ''}

Try: curl -X PUT ${service('weather-manager').url}/weather -H 'content-type: application/json' \\
       -d '{"condition":"storm","intensity":0.95,"temperatureCelsius":12}'
Ctrl-C stops everything.
`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const service of Object.values(services)) {
  void service.exited.then((code) => {
    if (!stopping) console.error(`${service.name} exited with code ${code}; the rest keeps running (Ctrl-C to stop)`);
  });
}
