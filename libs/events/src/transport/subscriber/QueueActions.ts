import type { EventEmitter } from 'node:events';
import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../logger';
import { sendToDeadLetterQueue } from './deadLetter';
import type { DeleteBatcher } from './DeleteBatcher';
import type { QueueInfo } from './queueInfo';
import type { DeadLetterCode, SubscriberEvents } from './types';

/** A received message while it is ours; `abandoned` once shutdown gave it back to the queue. */
export interface InFlight {
  message: Message;
  abandoned: boolean;
}


/**
 * What the subscriber does to a message on the queue: delete it, put it back later, keep it
 * invisible, park it in the DLQ. Broker failures here are reported, never thrown: the message
 * then simply comes back, which at-least-once delivery and the idempotency store absorb.
 */
export class QueueActions {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly queue: QueueInfo,
    private readonly deletes: DeleteBatcher,
    private readonly events: Pick<EventEmitter<SubscriberEvents>, 'emit'>,
    private readonly logger: Logger,
  ) {}

  async delete(item: InFlight): Promise<void> {
    const receiptHandle = item.message.ReceiptHandle;
    if (item.abandoned || receiptHandle === undefined) return;
    try {
      await this.deletes.delete(receiptHandle);
    } catch (error) {
      this.events.emit('transport-error', { operation: 'DeleteMessageBatch', error });
    }
  }

  /** Copies the message to the DLQ with the reason, then deletes it; if the copy fails, leaves it. */
  async deadLetter(item: InFlight, code: DeadLetterCode, reason: string, eventId?: string, type?: string): Promise<void> {
    const messageId = item.message.MessageId ?? '';
    try {
      await sendToDeadLetterQueue(this.sqs, this.queue.deadLetterQueueUrl, item.message, `${code}: ${reason}`);
    } catch (error) {
      // Not parked: leave it to come back (and to the queue's RedrivePolicy), never drop it.
      this.events.emit('transport-error', { operation: 'SendMessage(DLQ)', error });
      this.logger.error({ err: error, messageId, eventId }, 'could not move message to the DLQ; it will be delivered again');
      return;
    }
    this.logger.error({ messageId, eventId, eventType: type, code, reason }, 'message dead-lettered');
    this.events.emit('dead-lettered', { messageId, code, reason, ...(eventId === undefined ? {} : { eventId }), ...(type === undefined ? {} : { type }) });
    await this.delete(item);
  }

  /** Gives the message back to the queue now (shutdown); a late finish will not delete it. */
  async release(item: InFlight): Promise<void> {
    item.abandoned = true;
    await this.changeVisibility(item.message, 0);
  }

  async changeVisibility(message: Message, seconds: number): Promise<void> {
    try {
      await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }));
    } catch (error) {
      this.events.emit('transport-error', { operation: 'ChangeMessageVisibility', error });
    }
  }

  /** Keeps a slow handler's message invisible, so it is not delivered to another consumer meanwhile. */
  startHeartbeat(item: InFlight): NodeJS.Timeout | undefined {
    const visibility = this.queue.visibilityTimeoutSeconds;
    if (visibility < 2) return undefined;
    return setInterval(() => {
      if (!item.abandoned) void this.changeVisibility(item.message, visibility);
    }, (visibility * 1000) / 2);
  }

  get maxReceiveCount(): number {
    return this.queue.maxReceiveCount;
  }
}
