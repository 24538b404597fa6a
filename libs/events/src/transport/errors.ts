// Errors of the transport: a publish refused or timed out, a broker unavailable, bad options.
export type TransportErrorCode =
  | 'EVENT_TOO_LARGE'
  | 'BATCH_LIMIT_EXCEEDED'
  | 'PUBLISH_REJECTED'
  | 'PUBLISH_DEADLINE_EXCEEDED'
  | 'PUBLISHER_CLOSED'
  | 'INVALID_OPTIONS'
  | 'QUEUE_NOT_FOUND'
  | 'BROKER_UNAVAILABLE';

/** Base of the transport's errors: a stable `code`, the `cause` kept, and the event ids involved. */
export class TransportError extends Error {
  override readonly name: string = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options: { cause?: unknown; eventIds?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.eventIds = options.eventIds ?? [];
  }
  readonly eventIds: readonly string[];
}

/** The event can never be published as it is (size, limits, a refusal by SNS): do not retry. */
export class PublishRejectedError extends TransportError {
  override readonly name = 'PublishRejectedError';
}

/** SNS did not acknowledge before the deadline, after retries. The event may be retried later. */
export class PublishTimeoutError extends TransportError {
  override readonly name = 'PublishTimeoutError';
}

/** Options or configuration are wrong; the message lists every problem. */
export class TransportConfigError extends TransportError {
  override readonly name = 'TransportConfigError';
}

/** The broker did not answer (or kept failing) within the bound of a call that cannot wait longer, e.g. start(). */
export class BrokerUnavailableError extends TransportError {
  override readonly name = 'BrokerUnavailableError';
}
