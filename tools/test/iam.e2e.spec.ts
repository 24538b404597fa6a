// Tests: IAM from evidence: each task role grants exactly the calls its service makes.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { freeBasePort, startFaultProxy, startLocalEmulator, waitFor, type FaultProxy, type LocalEmulator } from '@game-mesh/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack, SERVICES, type ServiceName, type Stack } from '../stack/launchStack';
import { createAwsClients } from '@game-mesh/runtime';

// IAM from evidence: each service runs its real work against its own counting proxy, so every AWS
// call it makes is seen with the resource it touched; the CDK task role of that service must grant
// exactly that set — nothing used that is not granted, nothing granted that is not used.

const root = fileURLToPath(new URL('../..', import.meta.url));
const prefix = 'iam';

/** The IAM action each SDK operation needs (batch operations use the single action's permission). */
const IAM_ACTION: Record<string, string> = {
  PublishBatch: 'sns:Publish',
  Publish: 'sns:Publish',
  GetTopicAttributes: 'sns:GetTopicAttributes',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  GetQueueUrl: 'sqs:GetQueueUrl',
  SendMessage: 'sqs:SendMessage',
  SendMessageBatch: 'sqs:SendMessage',
};

/** "action on resource" pairs, e.g. "sqs:SendMessage iam-sample-consumer-dlq". */
function used(proxy: FaultProxy): string[] {
  return [...proxy.resources].flatMap(([operation, names]) => [...names].map((name) => `${IAM_ACTION[operation] ?? `unmapped:${operation}`} ${name}`)).sort();
}

/** The same pairs from the synthesized task role of one app (SNS/SQS statements; the idempotency table is checked apart). */
function granted(templates: string, app: ServiceName): string[] {
  const template = JSON.parse(readFileSync(join(templates, `GameMesh-${prefix}-${app}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const statements = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
  return statements
    .flatMap((s) => {
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      const names = [...JSON.stringify(s.Resource).matchAll(new RegExp(`:(${prefix}-[a-z0-9-]+(?:\\.fifo)?)`, 'g'))].map((m) => m[1]!);
      return actions.filter((a) => a.startsWith('sns:') || a.startsWith('sqs:')).flatMap((a) => names.map((name) => `${a} ${name}`));
    })
    .sort();
}

describe('IAM from evidence: each task role grants exactly the calls its service makes', () => {
  let stack: Stack;
  let emulator: LocalEmulator;
  const proxies = {} as Record<ServiceName, FaultProxy>;
  let templates: string;

  beforeAll(async () => {
    emulator = await startLocalEmulator();
    const endpoint = emulator.endpoint;
    for (const service of SERVICES) proxies[service] = await startFaultProxy(endpoint);
    stack = await launchStack({
      root,
      endpoint,
      basePort: await freeBasePort(),
      prefix,
      serviceEnv: Object.fromEntries(SERVICES.map((s) => [s, { AWS_ENDPOINT_URL: proxies[s]!.endpoint, LIVE_STATS_INTERVAL_MS: '200' }])),
    });
    templates = mkdtempSync(join(tmpdir(), 'iam-synth-'));
    execFileSync(join(root, 'node_modules/.bin/tsx'), ['--tsconfig', join(root, 'tools/tsconfig.json'), join(root, 'tools/infra/src/synth.ts'), prefix], { cwd: templates, stdio: 'ignore' });
    templates = join(templates, 'cdk.out');

    // The work each service does in production, including its rarer paths.
    const { sqs } = createAwsClients({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint });
    const env = (service: string, name: string) => stack.report.environment[service]?.[name] ?? '';
    const envelope = (type: string, data: object) => {
      const id = randomUUID();
      return JSON.stringify({ specversion: '1.0', id, type, version: 1, source: type === 'time.changed' ? 'time-manager' : 'weather-manager', time: new Date().toISOString(), correlationId: id, data });
    };
    const time = envelope('time.changed', { phase: 'dusk', previousPhase: 'day', day: 3, minuteOfDay: 1080, season: 'spring', cause: 'clock' });
    const weather = envelope('weather.changed', { previous: { condition: 'rain', intensity: 0.5, temperatureCelsius: 9 }, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 8 }, cause: 'simulation' });
    const queues: [string, string][] = [
      [env('weather-manager', 'EVENTS_QUEUE_URL'), time],
      [env('sample-consumer', 'EVENTS_QUEUE_URL'), weather],
      [env('sample-consumer', 'EVENTS_QUEUE_URL_SEVERE'), weather],
    ];
    for (const [queueUrl, body] of queues) {
      // Poison: the service parks it in its DLQ itself. The same event twice in one batch: the
      // second copy is put back (ChangeMessageVisibility) while the first is handled.
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{not json' }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'a', MessageBody: body }, { Id: 'b', MessageBody: body }] }));
    }
    // The inventory's FIFO queue: poison, and one event in two groups of one receive (the second
    // copy is put back while the first is handled). FIFO sends name a group and a deduplication id.
    const inventoryQueue = env('sample-consumer', 'EVENTS_QUEUE_URL_INVENTORY');
    const granted = JSON.parse(envelope('item.granted', { playerId: 'ada', item: 'gold', quantity: 1, reason: 'iam' })) as Record<string, unknown>;
    const grantedBody = JSON.stringify({ ...granted, source: 'inventory' });
    await sqs.send(new SendMessageCommand({ QueueUrl: inventoryQueue, MessageBody: '{not json', MessageGroupId: 'poison', MessageDeduplicationId: randomUUID() }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: inventoryQueue, Entries: ['a', 'b'].map((Id) => ({ Id, MessageBody: grantedBody, MessageGroupId: `g-${Id}`, MessageDeduplicationId: randomUUID() })) }));
    await fetch(`${stack.service('inventory').url}/players/bo/grant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'gold', quantity: 3 }) });
    const weatherUrl = stack.service('weather-manager').url;
    await fetch(`${weatherUrl}/weather`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ condition: 'fog', intensity: 0.4, temperatureCelsius: 6 }) });
    await fetch(`${stack.service('time-manager').url}/time`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ day: 2, minuteOfDay: 600 }) });
    for (const service of SERVICES) {
      await fetch(`${stack.service(service).url}/ready`);
      await fetch(`${stack.service(service).url}/metrics`);
    }
    const live = new AbortController();
    await fetch(`${stack.service('sample-consumer').url}/live/stream`, { signal: live.signal }).catch(() => undefined);
    live.abort();
    await waitFor(
      () => {
        const seen = (s: ServiceName, op: string) => proxies[s]!.seen.get(op) ?? 0;
        return (seen('weather-manager', 'SendMessage') > 0 && seen('weather-manager', 'ChangeMessageVisibility') > 0 && seen('sample-consumer', 'SendMessage') > 1 && seen('sample-consumer', 'ChangeMessageVisibility') > 1 && seen('time-manager', 'PublishBatch') > 0 && seen('inventory', 'PublishBatch') > 0) || undefined;
      },
      { timeoutMs: 20_000, message: 'every path exercised' },
    );
    // Every copy handled, deferred and dropped, or parked: each queue's consumer has deleted from it.
    await waitFor(
      () => {
        const deleted = (service: ServiceName) => proxies[service]!.resources.get('DeleteMessageBatch') ?? new Set<string>();
        return (deleted('weather-manager').size >= 1 && deleted('sample-consumer').size >= 3) || undefined;
      },
      { timeoutMs: 20_000, message: 'deletes from every consumer queue' },
    );
    sqs.destroy();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    for (const proxy of Object.values(proxies)) await proxy.stop();
    await emulator?.stop();
    if (templates) rmSync(join(templates, '..'), { recursive: true, force: true });
  });

  it.each(SERVICES)('%s', (service) => {
    const evidence = [...new Set(used(proxies[service]!))];
    expect(evidence.filter((e) => e.startsWith('unmapped'))).toEqual([]);
    expect(evidence).toEqual([...new Set(granted(templates, service))]);
  });
});
