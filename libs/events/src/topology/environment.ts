// The environment variables that point a service at its topic and queues.
import type { ResolvedTopology } from './defineTopology';

interface QueueUrls {
  service: string;
  key: string;
  url: string;
  deadLetterUrl: string;
}

/** `EVENTS_QUEUE_URL` for a service's `main` queue, `EVENTS_QUEUE_URL_SEVERE` for a queue `severe`. */
export function queueEnvName(kind: 'QUEUE' | 'DLQ', key: string): string {
  return key === 'main' ? `EVENTS_${kind}_URL` : `EVENTS_${kind}_URL_${key.toUpperCase().replaceAll('-', '_')}`;
}

export const TOPIC_ARN_ENV = 'EVENTS_TOPIC_ARN';

/**
 * The variables each service needs to reach its topic and queues. Producers get the ARN of
 * their topic (one per producer); consumers get the URLs of their queues and dead-letter queues.
 */
export function serviceEnvironment(
  topology: ResolvedTopology,
  topicArns: Readonly<Record<string, string>>,
  queues: readonly QueueUrls[],
): Record<string, Record<string, string>> {
  const environment: Record<string, Record<string, string>> = {};
  const of = (service: string): Record<string, string> => (environment[service] ??= { EVENTS_PREFIX: topology.prefix });
  for (const topic of topology.topics) {
    const arn = topicArns[topic.key];
    if (arn !== undefined) of(topic.producer)[TOPIC_ARN_ENV] = arn;
  }
  for (const queue of queues) {
    of(queue.service)[queueEnvName('QUEUE', queue.key)] = queue.url;
    of(queue.service)[queueEnvName('DLQ', queue.key)] = queue.deadLetterUrl;
  }
  return environment;
}
