// Tests: the events CLI against fauxqs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeleteMessageCommand, GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { gameEvents, Publisher } from '@game-mesh/events';
import { startFaultProxy, startGameMesh, waitFor, type GameMesh } from '@game-mesh/events/testing';
import { loadServiceDeclarations } from '@game-mesh/services';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type OpsContext } from '../src/context';
import { doctor } from '../src/doctor';
import { peek } from '../src/peek';
import { publishEvent } from '../src/publish';
import { redrive } from '../src/redrive';
import { tail } from '../src/tail';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const storm = { previous: { condition: 'rain', intensity: 0.5, temperatureCelsius: 10 }, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 9 }, cause: 'operator' };

describe('the events CLI against fauxqs', () => {
  let mesh: GameMesh;
  let ctx: OpsContext;
  let out: string[];
  beforeEach(async () => {
    mesh = await startGameMesh(loadServiceDeclarations(root), 'local');
    out = [];
    ctx = createContext({ prefix: 'local', endpoint: mesh.broker.endpoint, region: mesh.broker.region }, { out: (l) => out.push(l), err: (l) => out.push(l) });
  });
  afterEach(() => mesh.stop());

  const weather = () => new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns: mesh.broker.sns, topicArns: mesh.report.topicArns } });
  const depth = async (name: string) => {
    const url = (await mesh.broker.sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls?.find((u) => u.endsWith(`/${name}`));
    const attributes = (await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    return Number(attributes.ApproximateNumberOfMessages) + Number(attributes.ApproximateNumberOfMessagesNotVisible);
  };

  describe('doctor', () => {
    it('is read-only: ten runs against a queue holding messages leave every receive count as it was', async () => {
      const queue = mesh.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')!;
      for (let i = 0; i < 3; i += 1) await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: `{"n":${i}}` }));
      for (let run = 0; run < 10; run += 1) await doctor(ctx, { services: {} });
      const { Messages } = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(Messages?.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1', '1']);
    });

    it('evaluates queue policies: a Deny that blocks SNS fails the check, naming the statement', async () => {
      const queue = mesh.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')!;
      const { Attributes } = await mesh.broker.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Policy'] }));
      const policy = JSON.parse(Attributes!['Policy']!) as { Statement: object[] };
      policy.Statement.push({ Sid: 'BlockEverything', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: queue.arn });
      await mesh.broker.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { Policy: JSON.stringify(policy) } }));
      const failed = (await doctor(ctx, { services: {} })).filter((c) => !c.ok);
      expect(failed.map((c) => `${c.name}: ${c.detail}`)).toEqual([
        'queue policy of local-sample-consumer admits local-weather: BlockEverything denies SNS\'s delivery from this topic',
        'queue policy of local-sample-consumer admits local-time: BlockEverything denies SNS\'s delivery from this topic',
      ]);
    });

    it('passes on a freshly applied topology', async () => {
      const checks = await doctor(ctx, { services: {} });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['topic local-weather', 'subscription local-weather → local-sample-consumer-severe', 'dead-letter queue of local-weather-manager']));
    });

    it('fails a drifted filter policy, a non-empty DLQ and an unreachable service, each with its fix', async () => {
      const topicArn = mesh.report.topicArns['weather']!;
      const severe = mesh.report.queues.find((q) => q.key === 'severe')!;
      const sub = ((await mesh.broker.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).find((s) => s.Endpoint === severe.arn)!;
      await mesh.broker.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: JSON.stringify({ type: ['weather.changed'] }) }));
      await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: severe.deadLetterUrl, MessageBody: '{}' }));
      const checks = await doctor(ctx, { services: { 'sample-consumer': 'http://127.0.0.1:9' } });
      const failed = checks.filter((c) => !c.ok);
      expect(failed.map((c) => c.name).sort()).toEqual(['dead-letter queue local-sample-consumer-severe-dlq empty', 'service sample-consumer http://127.0.0.1:9/ready', 'subscription local-weather → local-sample-consumer-severe'].sort());
      expect(failed.find((c) => c.name.startsWith('subscription'))?.fix).toBe('npm run topology -- --prefix local');
      expect(failed.find((c) => c.name.startsWith('dead-letter'))?.fix).toMatch(/peek local-sample-consumer-severe-dlq.*redrive/);
    });
  });

  it('peek shows messages decoded and validated, and leaves them in the queue', async () => {
    const { id } = await weather().publish('weather.changed', storm as never);
    const main = mesh.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')!;
    await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: main.url, MessageBody: '{"not":"an event"}' }));
    const messages = await peek(ctx, 'sample-consumer', { max: 10, json: false });
    expect(messages.map((m) => [m.valid, m.summary.split(':')[0]])).toEqual(expect.arrayContaining([[true, `weather.changed v1 ${id}`], [false, 'INVALID_ENVELOPE']]));
    expect(out.join('\n')).toContain(`✓ weather.changed v1 ${id}`);
    // Still there, and visible at once.
    const again = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: main.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(again.Messages).toHaveLength(2);
  });

  it('publish validates first: a bad payload gets the zod issues and nothing is sent', async () => {
    await expect(publishEvent(ctx, 'weather.changed', JSON.stringify({ ...storm, current: { condition: 'hail' } }))).rejects.toThrow(/current.condition: Invalid option.*current.intensity/);
    await expect(publishEvent(ctx, 'weather.changed', '{oops')).rejects.toThrow(/not JSON/);
    expect(await depth('local-sample-consumer')).toBe(0);
    const id = await publishEvent(ctx, 'weather.changed', JSON.stringify(storm));
    expect(await depth('local-sample-consumer')).toBe(1);
    expect(out.join('\n')).toContain(`published weather.changed ${id} to local-weather`);
  });

  it('tail watches live events through a temporary queue and removes it on exit', async () => {
    const stop = new AbortController();
    let tailQueue = '';
    const watching = tail(ctx, ['weather.changed'], { signal: stop.signal, json: false, max: 2, onReady: (name) => (tailQueue = name) });
    await waitFor(() => tailQueue || undefined);
    expect(await depth(tailQueue)).toBe(0);
    const publisher = weather();
    const ids = [(await publisher.publish('weather.changed', storm as never)).id, (await publisher.publish('weather.changed', storm as never)).id];
    const seen = await watching;
    expect(seen.map((m) => m.summary)).toEqual(ids.map((id) => `weather.changed v1 ${id}`));
    const queues = (await mesh.broker.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'local-tail-' }))).QueueUrls ?? [];
    expect(queues).toEqual([]);
    const subscriptions = (await mesh.broker.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: mesh.report.topicArns['weather'] }))).Subscriptions ?? [];
    expect(subscriptions.filter((s) => s.Endpoint?.includes('tail'))).toEqual([]);
  });

  it('tail cleans up on Ctrl-C (abort) too', async () => {
    const stop = new AbortController();
    let tailQueue = '';
    const watching = tail(ctx, ['time.changed', 'weather.changed'], { signal: stop.signal, json: true, onReady: (name) => (tailQueue = name) });
    await waitFor(() => tailQueue || undefined);
    stop.abort();
    await watching;
    expect((await mesh.broker.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'local-tail-' }))).QueueUrls ?? []).toEqual([]);
  });

  describe('redrive', () => {
    const dlq = () => mesh.report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')!;
    async function park(count: number): Promise<string[]> {
      const bodies = Array.from({ length: count }, (_, i) => JSON.stringify({ n: i }));
      for (const body of bodies) {
        await mesh.broker.sqs.send(
          new SendMessageCommand({ QueueUrl: dlq().deadLetterUrl, MessageBody: body, MessageAttributes: { type: { DataType: 'String', StringValue: 'weather.changed' }, deadLetterReason: { DataType: 'String', StringValue: 'HANDLER_FAILED: x' } } }),
        );
      }
      return bodies;
    }

    it('--dry-run changes nothing', async () => {
      await park(3);
      const result = await redrive(ctx, 'sample-consumer-dlq', { dryRun: true, manual: false });
      expect(result).toMatchObject({ mode: 'dry-run', moved: 0 });
      expect(await depth('local-sample-consumer-dlq')).toBe(3);
      expect(out.join('\n')).toContain('would move 3 message(s) from local-sample-consumer-dlq to local-sample-consumer');
    });

    it('moves every message back with its attributes (falling back from StartMessageMoveTask), reporting progress', async () => {
      const bodies = await park(25);
      const progress: number[] = [];
      const result = await redrive(ctx, 'local-sample-consumer-dlq', { dryRun: false, manual: false, progress: (moved) => progress.push(moved) });
      expect(result).toMatchObject({ mode: 'manual', moved: 25, to: 'local-sample-consumer' });
      expect(progress.at(-1)).toBe(25);
      expect(await depth('local-sample-consumer-dlq')).toBe(0);
      const moved: { body?: string; type?: string; reason?: string }[] = [];
      await waitFor(async () => {
        const output = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq().url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
        for (const m of output.Messages ?? []) moved.push({ body: m.Body, type: m.MessageAttributes?.['type']?.StringValue, reason: m.MessageAttributes?.['deadLetterReason']?.StringValue });
        return moved.length >= 25 || undefined;
      });
      expect(moved.map((m) => m.body).sort()).toEqual([...bodies].sort());
      expect(moved.every((m) => m.type === 'weather.changed' && m.reason === undefined)).toBe(true);
    });

    it('ends on poison that comes straight back: moves at most what the DLQ held at the start, and says what it left', async () => {
      await park(12);
      // A consumer that fails every message at once: whatever reaches the source queue goes back to the DLQ.
      const stop = new AbortController();
      let returned = 0;
      const poisonLoop = (async () => {
        while (!stop.signal.aborted) {
          const output = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq().url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
          for (const m of output.Messages ?? []) {
            await mesh.broker.sqs.send(new SendMessageCommand({ QueueUrl: dlq().deadLetterUrl, MessageBody: m.Body ?? '', MessageAttributes: m.MessageAttributes ?? {} }));
            await mesh.broker.sqs.send(new DeleteMessageCommand({ QueueUrl: dlq().url, ReceiptHandle: m.ReceiptHandle }));
            returned += 1;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      try {
        const result = await redrive(ctx, 'sample-consumer-dlq', { dryRun: false, manual: true });
        expect(result.moved).toBe(12);
        expect(out.join('\n')).toMatch(/moved 12 message\(s\) from local-sample-consumer-dlq to local-sample-consumer; \d+ left in local-sample-consumer-dlq/);
      } finally {
        stop.abort();
        await poisonLoop;
      }
      expect(returned).toBeGreaterThan(0);
      const before = await depth('local-sample-consumer-dlq');
      expect(before).toBeGreaterThan(5);
      const capped = await redrive(ctx, 'sample-consumer-dlq', { dryRun: false, manual: true, max: 5 });
      expect(capped).toMatchObject({ moved: 5, left: before - 5 });
      expect(out.join('\n')).toContain('capped by --max');
    });

    it('interrupted halfway, loses nothing: every message is in the DLQ, the source queue, or both', async () => {
      const bodies = await park(30);
      const stop = new AbortController();
      const result = await redrive(ctx, 'sample-consumer-dlq', { dryRun: false, manual: true, signal: stop.signal, progress: (moved) => moved >= 10 && stop.abort() });
      expect(result.moved).toBeGreaterThanOrEqual(10);
      expect(result.moved).toBeLessThan(30);
      const everywhere: string[] = [];
      for (const url of [dlq().url, dlq().deadLetterUrl]) {
        for (;;) {
          const output = await mesh.broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0 }));
          if ((output.Messages ?? []).length === 0) break;
          everywhere.push(...(output.Messages ?? []).map((m) => m.Body ?? ''));
        }
      }
      expect(new Set(everywhere)).toEqual(new Set(bodies));
    });
  });
});

describe('the events command line', () => {
  const events = (...args: string[]) => eventsAt('http://127.0.0.1:9', ...args);
  const eventsAt = (endpoint: string, ...args: string[]) =>
    run('node_modules/.bin/tsx', ['--tsconfig', 'tools/tsconfig.json', 'tools/ops/src/cli.ts', ...args], { cwd: root, env: { ...process.env, AWS_ENDPOINT_URL: endpoint } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('prints help and exits 0', async () => {
    const result = await events('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Commands:[\s\S]*doctor[\s\S]*peek[\s\S]*tail[\s\S]*publish[\s\S]*redrive/);
  });

  it('refuses bad arguments with exit 2 and says what is wrong', async () => {
    expect(await events('peek')).toMatchObject({ code: 2, stderr: expect.stringContaining("missing required argument 'queue'") });
    expect(await events('peek', 'x', '--max', '0')).toMatchObject({ code: 2, stderr: expect.stringContaining('--max must be a whole number ≥ 1.') });
    expect(await events('launch')).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'launch'") });
  });

  it('fails within its bound, naming the timeout, when the broker accepts connections and never answers', async () => {
    const broker = await startFaultProxy('http://127.0.0.1:9', { hang: true });
    try {
      const started = Date.now();
      const results = await Promise.all([
        eventsAt(broker.endpoint, '--timeout', '500', 'doctor', '--no-services'),
        eventsAt(broker.endpoint, '--timeout', '500', 'peek', 'sample-consumer'),
        eventsAt(broker.endpoint, '--timeout', '500', 'publish', 'weather.changed', JSON.stringify(storm)),
      ]);
      for (const result of results) expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/TimeoutError|timed out|no answer/i) });
      expect(broker.hanging()).toBe(0); // every request was given up by the client
      // The SDK's three attempts of 0.5 s each, plus tsx's start-up: nowhere near a hang.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await broker.stop();
    }
  });

  it('refuses an invalid payload with exit 1 before touching the network', async () => {
    const result = await events('publish', 'weather.changed', '{"cause":"magic"}');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused, nothing sent: Invalid data for weather.changed v1: previous: Invalid input/);
  });
}, 60_000);
