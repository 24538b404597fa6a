// What every ops command works with: clients, the topology, the prefix.
import type { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { listTopicArns, resolveTopology, type ResolvedTopology } from '@game-mesh/events';
import { createAwsClients } from '@game-mesh/runtime';
import { loadGameTopology } from '@game-mesh/services';

/** What every command needs: clients for one endpoint, the resolved topology, and where to write. */
export interface OpsContext {
  sns: SNSClient;
  sqs: SQSClient;
  topology: ResolvedTopology;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Every command's broker calls are bounded: an endpoint that never answers fails the command after `timeoutMs` per attempt. */
export function createContext(
  options: { prefix: string; endpoint?: string | undefined; region: string; timeoutMs?: number },
  io: Pick<OpsContext, 'out' | 'err'>,
): OpsContext {
  const clients = createAwsClients({ AWS_REGION: options.region, AWS_ENDPOINT_URL: options.endpoint || undefined }, { requestTimeoutMs: options.timeoutMs ?? 10_000 });
  return { ...clients, topology: resolveTopology(loadGameTopology(), { prefix: options.prefix }), ...io };
}

/** Topic ARNs by topic name, from ListTopics (never creates anything). */
export async function topicArnsByName(sns: SNSClient): Promise<Map<string, string>> {
  return new Map((await listTopicArns(sns)).map((arn) => [arn.split(':').at(-1) ?? '', arn]));
}

/**
 * A queue given by its full name (`local-sample-consumer-dlq`), or by the topology's short form
 * (`sample-consumer`, `sample-consumer.severe`, `sample-consumer-dlq`).
 */
export function resolveQueueName(topology: ResolvedTopology, given: string): string {
  const aliases = new Map<string, string>();
  for (const queue of topology.queues) {
    const short = queue.key === 'main' ? queue.service : `${queue.service}.${queue.key}`;
    aliases.set(short, queue.name);
    aliases.set(`${short}-dlq`, queue.deadLetterQueueName);
    aliases.set(queue.deadLetterQueueName.slice(topology.prefix.length + 1), queue.deadLetterQueueName);
  }
  return aliases.get(given) ?? given;
}

export async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  const output = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!output.QueueUrl) throw new Error(`queue ${name} not found`);
  return output.QueueUrl;
}
