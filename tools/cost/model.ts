/**
 * The monthly cost of one environment, from measured request counts and AWS list prices.
 * Prices: us-east-1, on-demand, Linux/x86, as AWS lists them (late 2026); free tiers not counted,
 * so the estimate holds for an account already using them elsewhere.
 */
export const PRICES = {
  snsPerMillionRequests: 0.5,
  sqsPerMillionRequests: 0.4,
  fargatePerVcpuHour: 0.04048,
  fargatePerGbHour: 0.004445,
  natGatewayPerHour: 0.045,
  natGatewayPerGb: 0.045,
  interfaceEndpointPerAzHour: 0.01,
  interfaceEndpointPerGb: 0.01,
  alarmPerMetricMonth: 0.1,
  dashboardPerMonth: 3,
  logsIngestionPerGb: 0.5,
  kmsKeyPerMonth: 1,
  secretPerMonth: 0.4,
  dynamoDbPerMillionWrites: 0.625,
} as const;

export const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GB = 1024 ** 3;

/** What `npm run cost -- --measure` counted on the running stack (tools/cost/measured.json). */
export interface Measured {
  command: string;
  measuredAt: string;
  node: string;
  services: number;
  idleSecondsMeasured: number;
  eventsMeasured: number;
  eventsPerSecondMeasured: number;
  /** Requests per second with no event flowing: the long polls. */
  idleRequestsPerSecond: Record<string, number>;
  /** Requests of one `/metrics` scrape of every service (queue depths: GetQueueAttributes). */
  requestsPerMetricsScrape: Record<string, number>;
  /** Requests of one `/ready` call on every service. */
  requestsPerReadyCall: Record<string, number>;
  /** Extra requests per second while one live page is open. */
  livePageRequestsPerSecond: Record<string, number>;
  /** Requests per published event, beyond idle: publish, receives, deletes of its deliveries. */
  requestsPerEvent: Record<string, number>;
  logBytesPerEvent: number;
}

/** The deployment the estimate is for: what the CDK stacks create. */
export interface Deployment {
  /** Fargate tasks running (every app at its minimum). */
  tasks: number;
  vcpuPerTask: number;
  gbPerTask: number;
  availabilityZones: number;
  /** Interface endpoints a task needs without NAT (INTERFACE_ENDPOINT_SERVICES). */
  interfaceEndpoints: number;
  alarmMetrics: number;
  dashboards: number;
  kmsKeys: number;
  secrets: number;
  /** Idempotency writes (claim + complete) per event, on the consumer that scales out. */
  idempotencyWritesPerEvent: number;
  /** Bytes through NAT or endpoints per SNS/SQS request, request and response (SigV4 headers, TLS, the envelope). */
  bytesPerRequest: number;
  /** Image pulls through NAT or the ECR endpoints in a month (deploys, restarts), each `imageBytes`. */
  imagePullsPerMonth: number;
  imageBytes: number;
}

/** One always-on Fargate task of this size, for a month. */
export const taskMonthly = (deployment: Pick<Deployment, 'vcpuPerTask' | 'gbPerTask'>): number =>
  HOURS_PER_MONTH * (deployment.vcpuPerTask * PRICES.fargatePerVcpuHour + deployment.gbPerTask * PRICES.fargatePerGbHour);

export interface Usage {
  eventsPerSecond: number;
  /** Prometheus scrape interval of /metrics; 0: not scraped. */
  scrapeSeconds: number;
  /** Interval of whatever calls /ready; 0: nothing does (ECS health checks use /health). */
  readySeconds: number;
  /** Hours a month the live page is open. */
  livePageHours: number;
}

export interface CostLine {
  item: string;
  monthly: number;
  note: string;
}

export type Egress = 'nat' | 'endpoints';

export interface Estimate {
  requestsPerMonth: { sns: number; sqs: number };
  lines: CostLine[];
  /** The cost of each way out of the private subnets; `cheaper` is the one the total uses. */
  egress: Record<Egress, number> & { cheaper: Egress };
  total: number;
  /** SNS and SQS requests alone: what the original design's "< $5/month" counted. */
  messaging: number;
}

const sns = (r: Record<string, number>) => Object.entries(r).filter(([a]) => a.startsWith('Publish') || a.startsWith('sns:') || a === 'GetTopicAttributes').reduce((s, [, n]) => s + n, 0);
const total = (r: Record<string, number>) => Object.values(r).reduce((s, n) => s + n, 0);

export function estimate(measured: Measured, deployment: Deployment, usage: Usage): Estimate {
  const perSecond = (r: Record<string, number>, every: number) => (every > 0 ? total(r) / every : 0);
  const snsPerSecond = sns(measured.requestsPerEvent) * usage.eventsPerSecond + sns(measured.idleRequestsPerSecond);
  const allPerSecond =
    total(measured.idleRequestsPerSecond) +
    total(measured.requestsPerEvent) * usage.eventsPerSecond +
    perSecond(measured.requestsPerMetricsScrape, usage.scrapeSeconds) +
    perSecond(measured.requestsPerReadyCall, usage.readySeconds) +
    (total(measured.livePageRequestsPerSecond) * usage.livePageHours) / HOURS_PER_MONTH;
  const requests = { sns: snsPerSecond * SECONDS_PER_MONTH, sqs: (allPerSecond - snsPerSecond) * SECONDS_PER_MONTH };
  const events = usage.eventsPerSecond * SECONDS_PER_MONTH;
  const trafficGb = ((requests.sns + requests.sqs) * deployment.bytesPerRequest + deployment.imagePullsPerMonth * deployment.imageBytes) / GB;
  const egress = {
    nat: PRICES.natGatewayPerHour * HOURS_PER_MONTH + PRICES.natGatewayPerGb * trafficGb,
    endpoints: deployment.interfaceEndpoints * deployment.availabilityZones * PRICES.interfaceEndpointPerAzHour * HOURS_PER_MONTH + PRICES.interfaceEndpointPerGb * trafficGb,
  };
  const cheaper: Egress = egress.nat <= egress.endpoints ? 'nat' : 'endpoints';
  const lines: CostLine[] = [
    { item: 'SNS requests', monthly: (requests.sns / 1e6) * PRICES.snsPerMillionRequests, note: `${fmt(requests.sns / 1e6)} M publishes (deliveries to SQS are free)` },
    { item: 'SQS requests', monthly: (requests.sqs / 1e6) * PRICES.sqsPerMillionRequests, note: `${fmt(requests.sqs / 1e6)} M (long polls, receives, deletes, depth reads)` },
    {
      item: 'Fargate',
      monthly: deployment.tasks * taskMonthly(deployment),
      note: `${deployment.tasks} tasks × ${deployment.vcpuPerTask} vCPU / ${deployment.gbPerTask} GB, always on`,
    },
    {
      item: cheaper === 'nat' ? 'NAT gateway' : 'VPC endpoints',
      monthly: egress[cheaper],
      note: cheaper === 'nat' ? `1 gateway + ${fmt(trafficGb)} GB processed` : `${deployment.interfaceEndpoints} interface endpoints × ${deployment.availabilityZones} AZs + ${fmt(trafficGb)} GB`,
    },
    { item: 'CloudWatch alarms', monthly: deployment.alarmMetrics * PRICES.alarmPerMetricMonth, note: `${deployment.alarmMetrics} alarm metrics` },
    { item: 'CloudWatch dashboard', monthly: deployment.dashboards * PRICES.dashboardPerMonth, note: `${deployment.dashboards}` },
    { item: 'CloudWatch Logs', monthly: ((events * measured.logBytesPerEvent) / GB) * PRICES.logsIngestionPerGb, note: `${measured.logBytesPerEvent} B logged per event` },
    { item: 'KMS', monthly: deployment.kmsKeys * PRICES.kmsKeyPerMonth, note: 'the alarm topic key (topics use alias/aws/sns, queues SSE-SQS)' },
    { item: 'Secrets Manager', monthly: deployment.secrets * PRICES.secretPerMonth, note: `${deployment.secrets} operator tokens` },
    { item: 'DynamoDB (idempotency)', monthly: ((events * deployment.idempotencyWritesPerEvent) / 1e6) * PRICES.dynamoDbPerMillionWrites, note: `${fmt(deployment.idempotencyWritesPerEvent)} writes per event (claim and completion), on-demand` },
  ];
  const sum = lines.reduce((s, l) => s + l.monthly, 0);
  return { requestsPerMonth: requests, lines, egress: { ...egress, cheaper }, total: sum, messaging: lines[0]!.monthly + lines[1]!.monthly };
}

export function fmt(value: number): string {
  if (value === 0) return '0';
  if (value < 0.01) return value.toPrecision(1);
  if (value < 10) return value.toFixed(2);
  return value.toFixed(value < 1000 ? 1 : 0);
}

/** The rate at which VPC endpoints start to cost less than one NAT gateway. */
export function breakEvenRate(measured: Measured, deployment: Deployment, usage: Omit<Usage, 'eventsPerSecond'>): number {
  let low = 0;
  let high = 1e6;
  const cheaperAt = (rate: number) => estimate(measured, deployment, { ...usage, eventsPerSecond: rate }).egress.cheaper;
  if (cheaperAt(high) === 'nat') return Number.POSITIVE_INFINITY;
  for (let i = 0; i < 60; i += 1) {
    const mid = (low + high) / 2;
    if (cheaperAt(mid) === 'nat') low = mid;
    else high = mid;
  }
  return high;
}

/** What a high-volume type's messaging costs, one event per message or packed (libs/events `highVolume`). */
export interface PackingCase {
  eventsPerSecond: number;
  /** One serialised event with its pack entry's framing (the bench's weather.changed: ~450 B). */
  eventBytes: number;
  /** How long a PublishBatch takes to come back: the publisher packs what is published meanwhile. */
  publishRoundTripSeconds: number;
  /** A pack's budget. @defaultValue 65536 (one billed SNS request) */
  packBytes?: number;
  /** Queues subscribed to the type: each receives and deletes every message. */
  queues: number;
  /**
   * Idempotency writes per message on each queue's consumer: 2 with the DynamoDB store (claim and
   * completion; per event alone, per pack packed), 0 with the in-memory one. @defaultValue 2
   */
  idempotencyWritesPerMessage?: number;
}

export interface PackingCost {
  /** Events one message carries, as this rate fills packs. */
  eventsPerMessage: number;
  single: { sns: number; sqs: number; dynamoDb: number; total: number };
  packed: { sns: number; sqs: number; dynamoDb: number; total: number };
  /** single.total / packed.total */
  saving: number;
}

/**
 * The monthly SNS and SQS bill of one high-volume type. SNS bills every published message per
 * started 64 KiB, batched or not; each subscribed queue pays a receive per 10 messages and a
 * delete batch per receive (the subscriber's batching, at load), and its idempotency store two
 * writes per message (a pack is claimed and completed whole). Packed, a message holds what is
 * published during one PublishBatch round trip (packing never waits), up to the pack's budget.
 */
export function packingCost(c: PackingCase): PackingCost {
  const packBytes = c.packBytes ?? 65_536;
  const eventsPerMessage = Math.max(1, Math.min(Math.floor(packBytes / c.eventBytes), Math.floor(c.eventsPerSecond * c.publishRoundTripSeconds)));
  const events = c.eventsPerSecond * SECONDS_PER_MONTH;
  const bill = (messages: number, chunksPerMessage: number) => {
    const sns = ((messages * chunksPerMessage) / 1e6) * PRICES.snsPerMillionRequests;
    const sqs = ((c.queues * (messages / 10) * 2) / 1e6) * PRICES.sqsPerMillionRequests;
    const dynamoDb = ((c.queues * messages * (c.idempotencyWritesPerMessage ?? 2)) / 1e6) * PRICES.dynamoDbPerMillionWrites;
    return { sns, sqs, dynamoDb, total: sns + sqs + dynamoDb };
  };
  const single = bill(events, Math.ceil(c.eventBytes / 65_536));
  const packed = bill(events / eventsPerMessage, Math.ceil((eventsPerMessage * c.eventBytes) / 65_536));
  return { eventsPerMessage, single, packed, saving: single.total / packed.total };
}
