// For tests: a topology applied to a test broker, with clients and queue URLs.
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  applyTopology,
  awsClientConfig,
  Publisher,
  resolveTopology,
  Subscriber,
  type ApplyReport,
  type Catalog,
  type PublisherOptions,
  type SubscriberOptions,
  type TopologyDeclaration,
} from '../src';
import { startTestBroker, type TestBroker } from '../src/testing';

export { testEvents, testTopology, type TestEvents } from './testEvents';

export interface Mesh<C extends Catalog> {
  broker: TestBroker;
  report: ApplyReport;
  queueUrl(service: string, key?: string): string;
  dlqUrl(service: string, key?: string): string;
  publisher(source: string, options?: Partial<PublisherOptions<C>>, sns?: SNSClient): Publisher<C>;
  subscriber(service: string, options?: Partial<SubscriberOptions<C>>, sqs?: SQSClient): Subscriber<C>;
  /** Clients whose SDK does not retry, so the transport's own retries are what is tested. */
  clientsVia(endpoint: string): { sns: SNSClient; sqs: SQSClient };
  stop(): Promise<void>;
}

/** Starts fauxqs, applies a topology and hands out publishers and subscribers wired to it. */
export async function startMesh<C extends Catalog>(declaration: TopologyDeclaration<C>, prefix = 'test'): Promise<Mesh<C>> {
  const broker = await startTestBroker();
  const report = await applyTopology({ sns: broker.sns, sqs: broker.sqs, topology: resolveTopology(declaration, { prefix }) });
  const subscribers: Subscriber<C>[] = [];
  const queue = (service: string, key: string) => {
    const found = report.queues.find((q) => q.service === service && q.key === key);
    if (!found) throw new Error(`no queue ${service}.${key}`);
    return found;
  };
  return {
    broker,
    report,
    queueUrl: (service, key = 'main') => queue(service, key).url,
    dlqUrl: (service, key = 'main') => queue(service, key).deadLetterUrl,
    publisher: (source, options = {}, sns = broker.sns) =>
      new Publisher<C>({ catalog: declaration.catalog, source, transport: { mode: 'sns', sns, topicArns: report.topicArns }, ...options }),
    subscriber: (service, options = {}, sqs = broker.sqs) => {
      const subscriber = new Subscriber<C>({ catalog: declaration.catalog, sqs, queueUrl: queue(service, 'main').url, waitTimeSeconds: 1, retryBaseSeconds: 0, ...options });
      subscribers.push(subscriber);
      return subscriber;
    },
    clientsVia: (endpoint) => {
      const config = awsClientConfig({ endpoint, region: broker.region }, { maxAttempts: 1 });
      return { sns: new SNSClient(config), sqs: new SQSClient(config) };
    },
    async stop() {
      await Promise.all(subscribers.map((s) => s.stop()));
      await broker.stop();
    },
  };
}
