// The contenders of `npm run bench`: ours, sqs-consumer at its best and as usually run, and a naive
// port, each written as its users write it (plain JSON, the attributes its filters need, no call
// into our library), all against the same topology.
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { applyTopology, createEnvelope, decodeEnvelope, gameEvents, Publisher, resolveTopology, Subscriber } from '@game-mesh/events';
import { loadGameTopology } from '@game-mesh/services';
import { Consumer } from 'sqs-consumer';

/** Shared with the scenario runner: when each event's publish was called, and which scenario runs. */
export const state = { published: new Map<string, number>(), scenario: 0 };
/** Events per second of the paced phase. */
export const PACED_RATE = 50;

export interface Client {
  name: string;
  start(onHandled: (id: string) => void): Promise<void>;
  publish(count: number, paced: boolean): Promise<void>;
  stop(): Promise<void>;
}

const data = (i: number) => ({
  previous: { condition: 'rain' as const, intensity: 0.5, temperatureCelsius: 10 },
  current: { condition: 'cloudy' as const, intensity: (i % 70) / 100, temperatureCelsius: 9 },
  cause: 'simulation' as const,
});

/**
 * What a team that ports this contract to the SDK writes: the event as plain JSON, built by hand
 * (no schema, no validation on either end), as the README's contract describes it.
 */
const plainEvent = (i: number) => ({ id: crypto.randomUUID(), type: 'weather.changed', version: 1, time: new Date().toISOString(), source: 'weather-manager', correlationId: crypto.randomUUID(), data: data(i) });

/**
 * What every port of this contract publishes beside the body: the attributes the topology's filter
 * policies read (the type, and `intensity` for sample-consumer's severe-weather queue). Without
 * them that queue would get nothing: a contender that left them out would deliver less, not faster.
 */
const filterAttributes = (intensity: number) => ({
  type: { DataType: 'String', StringValue: 'weather.changed' },
  intensity: { DataType: 'Number', StringValue: String(intensity) },
});

/** `path`: one of our ways to consume, measured against the peer; `peer`: the peer the targets compare with; `reference`: context only (first round). */
export const CONTENDERS: Record<string, { describe: string; role: 'path' | 'peer' | 'reference'; make: (config: object) => Promise<Client> }> = {
  ours: { describe: 'libs/events defaults: Publisher (no fixed linger, up to 8 batches in flight), Subscriber concurrency 100, subscribe() per event', role: 'path', make: (config) => ours(config, false) },
  'ours batch': { describe: 'the same with subscribeBatch(): a receive\'s events in one handler call', role: 'path', make: (config) => ours(config, true) },
  'ours packed': { describe: 'weather.changed marked highVolume, intensity cut at 0.8: packed up to 64 KiB a message (by type, condition and side of 0.8), subscribe() per event', role: 'path', make: (config) => ours(config, false, true) },
  'sqs-consumer best': { describe: 'plain JSON, type + intensity attributes; 4 consumers, batchSize 10, handleMessageBatch, pollingWaitTimeMs 0; PublishBatch of 10, 4 in flight', role: 'peer', make: (config) => sqsConsumer(config, { consumers: 4, batch: true, validate: false }) },
  'sqs-consumer + zod': { describe: 'the same, events built with our createEnvelope and read with decodeEnvelope (the peer doing our validation)', role: 'reference', make: (config) => sqsConsumer(config, { consumers: 4, batch: true, validate: true }) },
  'sqs-consumer usual': { describe: 'plain JSON; 1 consumer, batchSize 10, handleMessage (a DeleteMessage per message); PublishBatch of 10, 4 in flight', role: 'reference', make: (config) => sqsConsumer(config, { consumers: 1, batch: false, validate: false }) },
  naive: { describe: 'plain JSON; Publish per event; 10 loops of ReceiveMessage(1) + DeleteMessage', role: 'reference', make: (config) => naive(config) },
};



async function setupQueue(config: object): Promise<{ topicArn: string; queueUrl: string }> {
  const prefix = `bench${state.scenario}${Math.random().toString(36).slice(2, 6)}`;
  const report = await applyTopology({ sns: new SNSClient(config), sqs: new SQSClient(config), topology: resolveTopology(loadGameTopology(), { prefix }) });
  const queue = report.queues.find((q) => q.service === 'sample-consumer' && q.key === 'main');
  return { topicArn: report.topicArns['weather'] ?? '', queueUrl: queue?.url ?? '' };
}

async function pace(count: number, paced: boolean, send: (i: number) => Promise<void>): Promise<void> {
  if (!paced) {
    for (let i = 0; i < count; i += 500) await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => send(i + j)));
    return;
  }
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / PACED_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(i));
  }
  await Promise.all(pending);
}

/**
 * The game's catalog with weather.changed marked high-volume, its intensity cut at 0.8 (where the
 * severe-weather filter compares it): its events travel packed, by type, condition and side of 0.8.
 */
const weather = gameEvents['weather.changed'];
const weatherV1 = weather.versions[1];
const packedEvents = {
  ...gameEvents,
  'weather.changed': {
    ...weather,
    highVolume: true,
    versions: { 1: { ...weatherV1, filterAttributes: { ...weatherV1.filterAttributes, intensity: { ...weatherV1.filterAttributes!.intensity!, thresholds: [0.8] } } } },
  },
} as typeof gameEvents;

async function ours(config: object, batch: boolean, packed = false): Promise<Client> {
  const { topicArn, queueUrl } = await setupQueue(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const catalog = packed ? packedEvents : gameEvents;
  const publisher = new Publisher({ catalog, source: 'weather-manager', transport: { mode: 'sns', sns, topicArns: { weather: topicArn } } });
  const subscriber = new Subscriber({ catalog, sqs, queueUrl, concurrency: 100 });
  return {
    name: packed ? 'ours packed' : batch ? 'ours batch' : 'ours',
    async start(onHandled) {
      if (batch) subscriber.subscribeBatch('weather.changed', (events) => events.forEach((event) => onHandled(event.id)));
      else subscriber.subscribe('weather.changed', (event) => onHandled(event.id));
      await subscriber.start();
    },
    publish: (count, paced) =>
      pace(count, paced, async (i) => {
        const id = crypto.randomUUID();
        state.published.set(id, performance.now());
        await publisher.publish('weather.changed', data(i), { id });
      }),
    async stop() {
      await subscriber.stop();
    },
  };
}

async function naive(config: object): Promise<Client> {
  const { topicArn, queueUrl } = await setupQueue(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const stop = new AbortController();
  const loops: Promise<void>[] = [];
  return {
    name: 'naive',
    async start(onHandled) {
      for (let n = 0; n < 10; n += 1) {
        loops.push((async () => {
          while (!stop.signal.aborted) {
            const output = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 20 }), { abortSignal: stop.signal }).catch(() => ({ Messages: [] }));
            for (const message of output.Messages ?? []) {
              onHandled((JSON.parse(message.Body ?? '{}') as { id: string }).id);
              await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
            }
          }
        })());
      }
    },
    publish: (count, paced) =>
      pace(count, paced, async (i) => {
        // The clock starts where ours starts: before the event is built.
        const calledAt = performance.now();
        const event = plainEvent(i);
        state.published.set(event.id, calledAt);
        await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(event), MessageAttributes: filterAttributes(event.data.current.intensity) }));
      }),
    async stop() {
      stop.abort();
      await Promise.all(loops);
    },
  };
}

async function sqsConsumer(config: object, shape: { consumers: number; batch: boolean; validate: boolean }): Promise<Client> {
  const { topicArn, queueUrl } = await setupQueue(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const consumers: Consumer[] = [];
  // Publishing as a careful user of the SDK would: PublishBatch of 10, at most 4 requests in flight.
  const buffer: { id: string; body: string; intensity: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const sendBatches = async () => {
    while (buffer.length > 0) {
      while (inFlight.size >= 4) await Promise.race(inFlight);
      const batch = buffer.splice(0, 10);
      const request = sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: batch.map((b) => ({ Id: b.id, Message: b.body, MessageAttributes: filterAttributes(b.intensity) })) }));
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
  };
  let sending = Promise.resolve();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    sending = sending.then(sendBatches);
  };
  const id = shape.validate
    ? (message: { Body?: string | undefined }) => {
        const decoded = decodeEnvelope(gameEvents, JSON.parse(message.Body ?? '{}'));
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.envelope.id;
      }
    : (message: { Body?: string | undefined }) => (JSON.parse(message.Body ?? '{}') as { id: string }).id;
  return {
    name: 'sqs-consumer',
    async start(onHandled) {
      for (let n = 0; n < shape.consumers; n += 1) {
        const consumer = Consumer.create({
          queueUrl,
          sqs,
          batchSize: 10,
          waitTimeSeconds: 20,
          pollingWaitTimeMs: 0,
          ...(shape.batch
            ? {
                handleMessageBatch: async (messages) => {
                  for (const message of messages) onHandled(id(message));
                  return messages;
                },
              }
            : {
                handleMessage: async (message) => {
                  onHandled(id(message));
                  return message;
                },
              }),
        });
        // stop({ abort: true }) aborts the long poll, which sqs-consumer reports as an error.
        consumer.on('error', () => undefined);
        consumer.start();
        consumers.push(consumer);
      }
    },
    async publish(count, paced) {
      await pace(count, paced, async (i) => {
        // The clock starts where ours starts: before the event is built (and validated, with zod).
        const calledAt = performance.now();
        const event = shape.validate ? createEnvelope(gameEvents, { type: 'weather.changed', data: data(i), source: 'weather-manager' }) : plainEvent(i);
        state.published.set(event.id, calledAt);
        buffer.push({ id: event.id, body: JSON.stringify(event), intensity: event.data.current.intensity });
        if (buffer.length >= 10) flush();
        else timer ??= setTimeout(flush, 2);
      });
      flush();
      await sending;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async stop() {
      for (const consumer of consumers) consumer.stop({ abort: true });
    },
  };
}
