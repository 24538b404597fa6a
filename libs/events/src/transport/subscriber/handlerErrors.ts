// What a handler's failure means: "never retry this one" (PermanentError, thrown by the handler)
// and "it ran out of time" (HandlerTimeoutError, when handlerTimeoutMs passes).

/**
 * Thrown by a handler for an event that can never succeed, such as one naming an entity that was
 * deleted: the message goes to the DLQ at once (`HANDLER_REJECTED`), with this message as its
 * reason, instead of being retried `maxReceiveCount` times first.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The handler did not settle within `handlerTimeoutMs`: its signal was aborted and the message counts as failed. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
  readonly code = 'HANDLER_TIMEOUT';
  constructor(
    readonly eventId: string,
    readonly timeoutMs: number,
    detail = 'did not settle',
  ) {
    super(`The handler of event ${eventId} ${detail} within ${timeoutMs} ms`);
  }
}

/** `running`, or a HandlerTimeoutError after `timeoutMs` (then `abort` is aborted with it). */
export async function withinTimeout<T>(running: Promise<T>, timeoutMs: number, eventId: string, abort: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(eventId, timeoutMs);
      abort.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
