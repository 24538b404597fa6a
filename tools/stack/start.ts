// `npm start`: the whole stack on this machine, no Docker, no AWS account.
import { fileURLToPath } from 'node:url';
import { formatLine } from './logFormat';
import { launchStack, SERVICES } from './launchStack';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = fileURLToPath(new URL('../..', import.meta.url));
const color = process.stdout.isTTY === true;
const names = ['emulator', 'topology', ...SERVICES];
const onLine = (service: string, line: string) => console.log(formatLine(service, names.indexOf(service), line, color));

const endpoint = process.env['AWS_ENDPOINT_URL'];
const useAws = endpoint === undefined && (process.env['AWS_PROFILE'] !== undefined || process.env['AWS_ACCESS_KEY_ID'] !== undefined);
const stack = await launchStack({
  root,
  endpoint,
  useAws,
  emulatorPort: Number(process.env['EMULATOR_PORT'] ?? 4566),
  basePort: Number(process.env['START_BASE_PORT'] ?? 3000),
  region: process.env['AWS_REGION'] ?? 'us-east-1',
  prefix: process.env['EVENTS_PREFIX'] ?? 'local',
  onLine,
}).catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const { services, service } = stack;
/** What to look at on the three game services; any other declared service shows its URL. */
const HINTS: Record<string, string> = {
  'sample-consumer': ' · /state · /events',
  'weather-manager': ' · /weather (PUT it to change the weather)',
  'time-manager': ' · /time',
};
const bold = (text: string) => (color ? `\u001b[1m${text}\u001b[0m` : text);
console.log(`
${bold('Game event mesh is running.')} Events flow weather-manager/time-manager → SNS → SQS → consumers.

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
