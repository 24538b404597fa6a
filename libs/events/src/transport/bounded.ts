/**
 * No answer from the broker within the attempt's bound. Named like the SDK's own timeouts so
 * {@link isRetryableError} treats it as transient ("retry later").
 */
export class BrokerTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'BROKER_TIMEOUT';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${operation} got no answer within ${timeoutMs} ms`, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Runs one SDK call with a bound on how long it may take: `call` gets the signal to pass as the
 * SDK's `abortSignal`. The SDK's HTTP handler has no request timeout by default, so a broker that
 * accepts the connection and never answers would hold the call for ever; every call the transport
 * makes goes through here. `signal` (the caller's, e.g. stop()) aborts too, and then the SDK's own
 * AbortError is thrown unchanged.
 */
export async function bounded<Output>(operation: string, timeoutMs: number, call: (abortSignal: AbortSignal) => Promise<Output>, signal?: AbortSignal): Promise<Output> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const abortSignal = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
  try {
    return await call(abortSignal);
  } catch (error) {
    if (timeout.signal.aborted && signal?.aborted !== true) throw new BrokerTimeoutError(operation, timeoutMs, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
