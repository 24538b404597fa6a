// `npm run topology -- [--prefix dev] [--json]`: applies the topology to the endpoint in
// AWS_ENDPOINT_URL (fauxqs, LocalStack) or to AWS, and prints what changed and each service's env.
import { parseArgs } from 'node:util';
import { applyTopology, isRetryableError, resolveTopology } from '@game-mesh/events';
import { createAwsClients } from '@game-mesh/runtime';
import { loadGameTopology } from '@game-mesh/services';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const { values } = parseArgs({
  options: {
    prefix: { type: 'string', default: process.env['EVENTS_PREFIX'] ?? 'local' },
    json: { type: 'boolean', default: false },
    'env-dir': { type: 'string' },
    'wait-seconds': { type: 'string', default: '0' },
    root: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run topology -- [--prefix NAME] [--json] [--env-dir DIR]

Creates or corrects topics, queues, DLQs and subscriptions, then prints the environment variables
each service needs. Endpoint: AWS_ENDPOINT_URL (unset: AWS with the default credentials).
--env-dir DIR also writes DIR/<service>.env files (docker compose reads them).
--wait-seconds N keeps retrying while the endpoint is unreachable, up to N seconds.
--root DIR reads the declarations in DIR/apps/*/service.json (default: this workspace).`);
  process.exit(0);
}

const endpoint = process.env['AWS_ENDPOINT_URL'];
const region = process.env['AWS_REGION'] ?? 'us-east-1';
const apply = () => applyTopology({ ...createAwsClients({ AWS_REGION: region, AWS_ENDPOINT_URL: endpoint || undefined }), topology: resolveTopology(loadGameTopology(values.root), { prefix: values.prefix }) });
const deadline = Date.now() + Number(values['wait-seconds']) * 1000;
async function applyWhenReachable(): Promise<Awaited<ReturnType<typeof apply>>> {
  for (;;) {
    try {
      return await apply();
    } catch (error) {
      if (!isRetryableError(error) || Date.now() > deadline) throw error;
      console.error(`endpoint not reachable yet (${error instanceof Error ? error.message : String(error)}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
try {
  const report = await applyWhenReachable();
  if (values['env-dir']) {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(values['env-dir'], { recursive: true });
    for (const [service, env] of Object.entries(report.environment)) {
      await writeFile(`${values['env-dir']}/${service}.env`, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    }
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`Topology "${values.prefix}" on ${endpoint ?? `AWS (${region})`}:`);
    for (const change of report.changes) console.log(`  ${change.action.padEnd(9)} ${change.kind.padEnd(17)} ${change.name}${change.attributes ? ` (${change.attributes.join(', ')})` : ''}`);
    for (const warning of report.warnings) console.log(`  note: ${warning}`);
    for (const [service, env] of Object.entries(report.environment)) {
      console.log(`\n# ${service}`);
      for (const [name, value] of Object.entries(env)) console.log(`${name}=${value}`);
    }
  }
} catch (error) {
  console.error(`topology apply failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(1);
}
