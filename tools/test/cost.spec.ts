// Tests: the cost model.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadServiceDeclarations } from '@game-mesh/services';
import { breakEvenRate, estimate, packingCost, type Deployment, type Measured } from '../cost/model';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const measured = JSON.parse(readFileSync(new URL('../cost/measured.json', import.meta.url), 'utf8')) as Measured;
const deployment: Deployment = {
  tasks: 3, vcpuPerTask: 0.25, gbPerTask: 0.5, availabilityZones: 2, interfaceEndpoints: 6, alarmMetrics: 17, dashboards: 1, kmsKeys: 1, secrets: 3,
  idempotencyWritesPerEvent: 8 / 3, bytesPerRequest: 2048, imagePullsPerMonth: 24, imageBytes: 120 * 1024 ** 2,
};
const usage = { scrapeSeconds: 15, readySeconds: 0, livePageHours: 0 };

describe('the cost model', () => {
  it('measures the running stack: each event published once, received and deleted once per delivery (5 per 3 events in the mix)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cost-')), 'measured.json');
    const env = { ...process.env, COST_OUT: out, COST_IDLE_SECONDS: '2', COST_LIVE_SECONDS: '1', COST_EVENTS: '15' };
    await run(join(root, 'node_modules/.bin/tsx'), ['--tsconfig', 'tools/tsconfig.json', 'tools/cost/cli.ts', '--measure'], { cwd: root, env });
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as Measured;
    expect(fresh).toMatchObject({ command: 'npm run cost -- --measure', services: loadServiceDeclarations(root).length, eventsMeasured: 15 });
    const perEvent = fresh.requestsPerEvent;
    expect((perEvent['PublishBatch'] ?? 0) + (perEvent['Publish'] ?? 0)).toBeGreaterThan(0.3);
    expect(perEvent['ReceiveMessage']).toBeGreaterThan(1);
    expect((perEvent['DeleteMessageBatch'] ?? 0) + (perEvent['DeleteMessage'] ?? 0)).toBeCloseTo(5 / 3, 0);
    expect(fresh.requestsPerMetricsScrape['GetQueueAttributes']).toBeGreaterThan(0);
  }, 120_000);

  it('grows SNS and SQS with the rate, and leaves the always-on parts alone', () => {
    const low = estimate(measured, deployment, { ...usage, eventsPerSecond: 1 });
    const high = estimate(measured, deployment, { ...usage, eventsPerSecond: 10 });
    const idle = estimate(measured, deployment, { ...usage, eventsPerSecond: 0 });
    expect(high.messaging - idle.messaging).toBeCloseTo(10 * (low.messaging - idle.messaging), 6);
    const fargate = (e: typeof low) => e.lines.find((l) => l.item === 'Fargate')!.monthly;
    expect(fargate(high)).toBe(fargate(idle));
    expect(idle.messaging).toBeGreaterThan(0); // long polls and /metrics cost even with no event
  });

  it('prefers one NAT gateway at low rates and VPC endpoints above the break-even rate', () => {
    const breakEven = breakEvenRate(measured, deployment, usage);
    expect(breakEven).toBeGreaterThan(1);
    expect(breakEven).toBeLessThan(10_000);
    expect(estimate(measured, deployment, { ...usage, eventsPerSecond: breakEven * 0.9 }).egress.cheaper).toBe('nat');
    expect(estimate(measured, deployment, { ...usage, eventsPerSecond: breakEven * 1.1 }).egress.cheaper).toBe('endpoints');
  });
});

describe('the packing cost model', () => {
  it('bills one event per message by the event, and a pack by the 64 KiB it fills: at 10,000 events/s packing costs two orders of magnitude less', () => {
    const at = (eventsPerSecond: number) => packingCost({ eventsPerSecond, eventBytes: 450, publishRoundTripSeconds: 0.02, queues: 1 });
    // 1 event/s: nothing to pack with; the bill is the same.
    expect(at(1).eventsPerMessage).toBe(1);
    expect(at(1).saving).toBeCloseTo(1, 5);
    // 1,000/s: 20 events arrive per round trip. 10,000/s: the 64 KiB budget (145 of 450 B) caps it.
    expect(at(1_000).eventsPerMessage).toBe(20);
    expect(at(10_000).eventsPerMessage).toBe(145);
    expect(at(10_000).saving).toBeGreaterThan(100);
    // SNS: 10,000/s one per message is 26.3 G published messages a month at $0.50/M.
    expect(at(10_000).single.sns).toBeCloseTo(13_140, 0);
    // The DynamoDB store's claim and completion: per event alone, per pack packed.
    expect(at(10_000).single.dynamoDb).toBeCloseTo(2 * 26_280 * 0.625, 0);
    expect(at(10_000).packed.dynamoDb).toBeCloseTo(at(10_000).single.dynamoDb / 145, 0);
  });
});

describe('npm run cost', () => {
  const cost = (...args: string[]) => run('npx', ['tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/cost/cli.ts', ...args], { cwd: root, encoding: 'utf8' });

  it('prints the monthly table, the comparison with "< $5/month", and the cheaper egress to deploy with', async () => {
    const { stdout } = await cost('--rate', '1');
    for (const item of ['SNS requests', 'SQS requests', 'Fargate', 'NAT gateway', 'CloudWatch alarms', 'CloudWatch dashboard', 'CloudWatch Logs', 'KMS', 'Secrets Manager', 'total']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${item} +\\$ +[0-9.]+`));
    }
    expect(stdout).toContain('"< $5/month"');
    expect(stdout).toContain('Deploy with: -c egress=nat');
    expect((await cost('--rate', '5000')).stdout).toContain('Deploy with: -c egress=endpoints');
  }, 60_000);

  it('refuses a rate that is not a number, naming the flag', async () => {
    const failure = await cost('--rate', 'fast').then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('--rate must be a number');
  }, 60_000);
});
