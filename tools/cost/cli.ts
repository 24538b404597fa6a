// `npm run cost -- --rate <events/s>`: the monthly cost of one environment at that event rate,
// from request counts measured on the running stack (tools/cost/measured.json; `--measure` counts
// again) and AWS list prices. Compares with the original design's "< $5/month" and says which way
// out of the private subnets, NAT or VPC endpoints, is cheaper at that rate.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEAD_LETTER_CODES, resolveTopology } from '@game-mesh/events';
import { INTERFACE_ENDPOINT_SERVICES, loadGameTopology, loadServiceDeclarations } from '@game-mesh/services';
import { breakEvenRate, estimate, fmt, packingCost, taskMonthly, type Deployment, type Measured } from './model';

const { values } = parseArgs({
  options: {
    rate: { type: 'string' },
    'scrape-seconds': { type: 'string', default: '15' },
    'ready-seconds': { type: 'string', default: '0' },
    'live-page-hours': { type: 'string', default: '0' },
    measure: { type: 'boolean', default: false },
  },
});

if (values.measure) {
  await import('./measure');
  process.exit(0);
}

const number = (name: string, value: string | undefined, { min = 0 } = {}): number => {
  const parsed = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(parsed) || parsed < min) {
    console.error(`--${name} must be a number ≥ ${min} (got ${value === undefined ? 'nothing' : JSON.stringify(value)}); e.g. npm run cost -- --rate 1`);
    process.exit(2);
  }
  return parsed;
};
const rate = number('rate', values.rate);
const usage = { eventsPerSecond: rate, scrapeSeconds: number('scrape-seconds', values['scrape-seconds']), readySeconds: number('ready-seconds', values['ready-seconds']), livePageHours: number('live-page-hours', values['live-page-hours']) };

const measured = JSON.parse(readFileSync(new URL('./measured.json', import.meta.url), 'utf8')) as Measured;
const declarations = loadServiceDeclarations();
const topology = resolveTopology(loadGameTopology(), { prefix: 'prod' });
const scaled = declarations.filter((d) => d.scaling);
// What the CDK stacks create (tools/infra): one task per app at its minimum, 0.25 vCPU / 0.5 GB each,
// two AZs; alarms: per topic a failure-rate alarm on 2 metrics, per queue depth, age and DLQ; per
// scaled app the target-tracking alarms (2, each on 2 metrics).
const deployment: Deployment = {
  tasks: declarations.reduce((n, d) => n + (d.scaling?.minTasks ?? 1), 0),
  vcpuPerTask: 0.25,
  gbPerTask: 0.5,
  availabilityZones: 2,
  interfaceEndpoints: INTERFACE_ENDPOINT_SERVICES.length,
  // + per consuming app an alarm per dead-letter reason and one on handler failures; per publishing
  // app one on the publish failure rate (2 metrics).
  alarmMetrics:
    topology.topics.length * 2 +
    topology.queues.length * 3 +
    scaled.length * 4 +
    declarations.filter((d) => Object.keys(d.consumes).length > 0).length * (DEAD_LETTER_CODES.length + 1) +
    topology.topics.length * 2,
  dashboards: 1,
  kmsKeys: 1,
  secrets: declarations.length,
  // sample-consumer (the scaled consumer) gets 4 deliveries per 3 events of the game's mix; each a claim and a completion.
  idempotencyWritesPerEvent: scaled.length > 0 ? (2 * 4) / 3 : 0,
  bytesPerRequest: 2048,
  imagePullsPerMonth: declarations.length * 8,
  imageBytes: 120 * 1024 ** 2,
};

const result = estimate(measured, deployment, usage);
const width = Math.max(...result.lines.map((l) => l.item.length));
console.log(`Monthly cost of one environment at ${rate} events/s (us-east-1 list prices, no free tier)\n`);
for (const line of result.lines) console.log(`  ${line.item.padEnd(width)}  $${fmt(line.monthly).padStart(8)}   ${line.note}`);
console.log(`  ${'total'.padEnd(width)}  $${fmt(result.total).padStart(8)}\n`);
const verdict = result.messaging < 5 ? 'within it' : 'over it';
const biggest = [...result.lines].sort((a, b) => b.monthly - a.monthly).slice(0, 2).map((l) => l.item);
console.log(`The original design's "< $5/month" counted SNS and SQS requests only: here they cost $${fmt(result.messaging)} (${verdict}); the whole environment costs $${fmt(result.total)}, most of it ${biggest.join(' and ')}.`);
const other = result.egress.cheaper === 'nat' ? 'endpoints' : 'nat';
const breakEven = breakEvenRate(measured, deployment, usage);
console.log(
  `Egress at this rate: NAT gateway $${fmt(result.egress.nat)}, VPC endpoints $${fmt(result.egress.endpoints)}: ${result.egress.cheaper === 'nat' ? 'NAT' : 'VPC endpoints'} is cheaper${Number.isFinite(breakEven) ? ` (endpoints win above ${fmt(breakEven)} events/s)` : ''}. Deploy with: -c egress=${result.egress.cheaper} (the other: -c egress=${other}).`,
);
console.log(
  `\nRequests: measured ${measured.measuredAt} by \`${measured.command}\` (${measured.services} services on fauxqs; ${measured.eventsMeasured} events at ${measured.eventsPerSecondMeasured}/s; idle ${measured.idleSecondsMeasured} s); /metrics scraped every ${usage.scrapeSeconds || '—'} s, /ready every ${usage.readySeconds || '—'} s, live page ${usage.livePageHours} h/month. Publishes were measured one per request at ${measured.eventsPerSecondMeasured}/s; at high rates the publisher batches up to 10, so SNS is an upper bound there. Not counted: data transfer out of AWS, Container Insights, ECR storage, extra tasks when a consumer scales out ($${fmt(taskMonthly(deployment))} per task-month).`,
);

// A high-volume type (catalog `highVolume`): its bill one event per message against packed, at this
// rate and at 1,000 and 10,000 events/s, for a weather.changed-sized event read by one queue.
console.log('\nA high-volume type, one event per message vs packed (SNS, SQS and the DynamoDB idempotency store; ~450 B events, one subscribed queue, 20 ms publish round trip):');
for (const eventsPerSecond of [...new Set([rate, 1_000, 10_000])].filter((r) => r > 0)) {
  const c = packingCost({ eventsPerSecond, eventBytes: 450, publishRoundTripSeconds: 0.02, queues: 1 });
  const saving = c.eventsPerMessage === 1 ? 'nothing to pack with at this rate' : `${fmt(c.saving)}× less`;
  console.log(`  ${fmt(eventsPerSecond).padStart(7)} events/s: $${fmt(c.single.total)} a month one per message, $${fmt(c.packed.total)} packed (${c.eventsPerMessage} events a message): ${saving}`);
}
