// redrive: dead-lettered messages back to their source queue, never losing one.
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, StartMessageMoveTaskCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '@game-mesh/events';
import { queueUrl, resolveQueueName, type OpsContext } from './context';

export interface RedriveOptions {
  dryRun: boolean;
  /** Skip StartMessageMoveTask and move message by message. */
  manual: boolean;
  /** Move at most this many (and never more than the DLQ held when the redrive started). */
  max?: number;
  signal?: AbortSignal;
  progress?: (moved: number, total: number) => void;
}

export interface RedriveResult {
  mode: 'move-task' | 'manual' | 'dry-run';
  from: string;
  to: string;
  moved: number;
  /** Messages in the DLQ when the redrive ended (approximate on AWS). */
  left?: number;
  taskHandle?: string;
}

/**
 * Moves dead-lettered messages back to their source queue, attributes kept. StartMessageMoveTask
 * where the endpoint has it (AWS); elsewhere receive → send → delete, deleting a message only once
 * its copy is in the source queue: interrupted halfway, a message may exist twice (consumers drop
 * the duplicate by event id), never zero times. It moves at most the messages the DLQ held when it
 * started (and `max`), so poison that fails again and comes back is not fed round for ever; it
 * says what it moved and what it left.
 */
export async function redrive(context: OpsContext, dlq: string, options: RedriveOptions): Promise<RedriveResult> {
  const from = resolveQueueName(context.topology, dlq);
  const source = context.topology.queues.find((q) => q.deadLetterQueueName === from);
  if (!source) throw new Error(`${from} is not a dead-letter queue of this topology (prefix ${context.topology.prefix})`);
  const [fromUrl, toUrl] = await Promise.all([queueUrl(context.sqs, from), queueUrl(context.sqs, source.name)]);
  const attributes = (await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: fromUrl, AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] }))).Attributes ?? {};
  const total = Number(attributes.ApproximateNumberOfMessages ?? 0);
  if (options.dryRun) {
    context.out(`dry run: would move ${total} message(s) from ${from} to ${source.name}; nothing changed`);
    return { mode: 'dry-run', from, to: source.name, moved: 0 };
  }
  if (!options.manual) {
    const toArn = (await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: toUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    try {
      const task = await context.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: attributes.QueueArn, DestinationArn: toArn }));
      context.out(`started message move task ${task.TaskHandle ?? ''}: ${total} message(s) from ${from} to ${source.name}`);
      return { mode: 'move-task', from, to: source.name, moved: total, ...(task.TaskHandle ? { taskHandle: task.TaskHandle } : {}) };
    } catch (error) {
      if (!isUnsupported(error)) throw error;
      context.err(`this endpoint has no StartMessageMoveTask (${error instanceof Error ? error.name : 'error'}); moving message by message`);
    }
  }
  const budget = Math.min(total, options.max ?? Number.POSITIVE_INFINITY);
  let moved = 0;
  let emptyReceives = 0;
  while (!options.signal?.aborted && emptyReceives < 2 && moved < budget) {
    const output = await context.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fromUrl, MaxNumberOfMessages: Math.min(10, budget - moved), WaitTimeSeconds: 1, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0) {
      emptyReceives += 1;
      continue;
    }
    emptyReceives = 0;
    const sent = await context.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: toUrl,
        Entries: messages.map((message, index) => ({ Id: `m${index}`, MessageBody: message.Body ?? '', MessageAttributes: keptAttributes(message.MessageAttributes) })),
      }),
    );
    // Only what the source queue has now leaves the DLQ; the rest becomes visible there again.
    const delivered = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = messages.filter((_m, index) => delivered.has(`m${index}`));
    if (done.length > 0) {
      await context.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: fromUrl, Entries: done.map((m, index) => ({ Id: `d${index}`, ReceiptHandle: m.ReceiptHandle })) }));
    }
    for (const failure of sent.Failed ?? []) context.err(`not moved (stays in ${from}): ${failure.Code ?? ''} ${failure.Message ?? ''}`);
    moved += done.length;
    options.progress?.(moved, Math.max(total, moved));
  }
  const left = Number((await context.sqs.send(new GetQueueAttributesCommand({ QueueUrl: fromUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages ?? 0);
  const why = options.signal?.aborted ? ' (interrupted; run again for the rest)' : moved >= budget && left > 0 ? ` (the ${budget} it started with${options.max !== undefined && options.max < total ? ` capped by --max` : ''}; what is there now came back or arrived since: peek before moving it again)` : '';
  context.out(`moved ${moved} message(s) from ${from} to ${source.name}; ${left} left in ${from}${why}`);
  return { mode: 'manual', from, to: source.name, moved, left };
}

function keptAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> {
  return Object.fromEntries(Object.entries(attributes ?? {}).filter(([name]) => name !== DEAD_LETTER_REASON_ATTRIBUTE));
}

function isUnsupported(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return /Unsupported|InvalidAction|UnknownOperation|NotImplemented|InvalidParameterValue/i.test(`${error.name} ${error.message}`) || status === 404 || status === 501;
}

/** A progress bar on a terminal, a line per tenth otherwise. */
export function progressPrinter(write: (text: string) => void, tty: boolean): (moved: number, total: number) => void {
  let lastTenth = -1;
  return (moved, total) => {
    const fraction = total === 0 ? 1 : moved / total;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${moved}/${total}`);
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10);
      write(`moved ${moved}/${total}\n`);
    }
  };
}
