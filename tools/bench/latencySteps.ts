// `npm run bench:steps`: where one event's publish → handle time goes at a low rate. Publisher and
// Subscriber (defaults) against fauxqs in its own process; after 5,000 warm-up events, one event
// at a time, 20 ms apart (50/s), with marks from SDK middleware on both clients. Prints p50/p90/p99
// of each step. STEPS_EVENTS sets the count (default 1,000).
import { setTimeout as sleep } from 'node:timers/promises';
import { benchOutput } from './results';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { applyTopology, awsClientConfig, gameEvents, Publisher, resolveTopology, Subscriber } from '@game-mesh/events';
import { loadGameTopology } from '@game-mesh/services';
import { percentile, startCountingEmulator } from './processes';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const EVENTS = Number(process.env['STEPS_EVENTS'] ?? 1_000);
const WARMUP = 5_000;
const GAP_MS = 20;

const STEPS = [
  ['publish() returns', 'the synchronous part of publish(): validation, envelope, span, attributes'],
  ['→ SDK called', 'then the batcher hands the batch to the SNS client'],
  ['→ request leaves', "the SDK's serialise, sign and middleware, to the HTTP handler"],
  ['→ receive parsed', "the emulator's work and the wire, to the ReceiveMessage response parsed"],
  ['→ handler runs', "the SDK's outer middleware (MD5 check), then our decode, claim and span"],
  ['publish → handle', 'all of it'],
] as const;

const emulator = await startCountingEmulator();
try {
  const { endpoint } = emulator;
  const config = awsClientConfig({ endpoint, region: 'us-east-1' });
  const report = await applyTopology({ sns: new SNSClient(config), sqs: new SQSClient(config), topology: resolveTopology(loadGameTopology(), { prefix: `steps${Math.random().toString(36).slice(2, 6)}` }) });
  const topicArn = report.topicArns['weather'] ?? '';
  const queueUrl = report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main')?.url ?? '';
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  // Marks: when the SNS client is called, when its request reaches the HTTP handler, when a receive's response is parsed.
  const at = { publish: 0, returned: 0, sdkCalled: 0, requestOut: 0, receiveParsed: 0 };
  sns.middlewareStack.add((next) => (args) => ((at.sdkCalled = performance.now()), next(args)), { step: 'initialize', priority: 'high', name: 'stepsSdkCalled' });
  sns.middlewareStack.add((next) => (args) => ((at.requestOut = performance.now()), next(args)), { step: 'finalizeRequest', priority: 'low', name: 'stepsRequestOut' });
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if ('MaxNumberOfMessages' in (args.input as object)) at.receiveParsed = performance.now();
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'stepsReceiveParsed' },
  );
  const publisher = new Publisher({ catalog: gameEvents, source: 'weather-manager', transport: { mode: 'sns', sns, topicArns: { weather: topicArn } } });
  const subscriber = new Subscriber({ catalog: gameEvents, sqs, queueUrl, concurrency: 100 });
  const samples: number[][] = STEPS.map(() => []);
  let measuring = false;
  let handled = 0;
  let onHandled = () => {};
  subscriber.subscribe('weather.changed', () => {
    const now = performance.now();
    handled += 1;
    if (measuring) {
      const marks = [at.publish, at.returned, at.sdkCalled, at.requestOut, at.receiveParsed, now];
      for (let step = 0; step < 5; step += 1) samples[step]!.push(marks[step + 1]! - marks[step]!);
      samples[5]!.push(now - at.publish);
    }
    onHandled();
  });
  await subscriber.start();
  const data = { previous: { condition: 'rain' as const, intensity: 0.5, temperatureCelsius: 10 }, current: { condition: 'cloudy' as const, intensity: 0.3, temperatureCelsius: 9 }, cause: 'simulation' as const };
  for (let i = 0; i < WARMUP; i += 500) await Promise.all(Array.from({ length: 500 }, () => publisher.publish('weather.changed', data)));
  while (handled < WARMUP) await sleep(5);
  await sleep(300);
  measuring = true;
  for (let i = 0; i < EVENTS; i += 1) {
    const done = new Promise<void>((resolve) => (onHandled = resolve));
    at.publish = performance.now();
    const published = publisher.publish('weather.changed', data);
    at.returned = performance.now();
    await Promise.all([published, done]);
    await sleep(GAP_MS);
  }
  await subscriber.stop();
  const q = (values: number[], p: number) => percentile([...values].sort((a, b) => a - b), p).toFixed(2);
  const out = benchOutput('bench-steps');
  out.say(`node ${process.version}; ${EVENTS} events one at a time, ${GAP_MS} ms apart, after ${WARMUP} warm-up events; ms`);
  out.say(`${'step'.padEnd(20)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)}  what`);
  STEPS.forEach(([name, what], step) => out.say(`${name.padEnd(20)} ${q(samples[step]!, 0.5).padStart(6)} ${q(samples[step]!, 0.9).padStart(6)} ${q(samples[step]!, 0.99).padStart(6)}  ${what}`));
  out.save({ date: new Date().toISOString(), node: process.version, events: EVENTS, gapMs: GAP_MS, warmup: WARMUP, steps: STEPS.map(([name], step) => ({ name, p50: q(samples[step]!, 0.5), p90: q(samples[step]!, 0.9), p99: q(samples[step]!, 0.99) })) });
} finally {
  emulator.stop();
}
