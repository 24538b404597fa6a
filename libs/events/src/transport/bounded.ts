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
  // One controller per call, aborted by the timer or by the caller's signal (AbortSignal.any would
  // build a composite signal per call: a receive's largest cost of ours, `npm run bench` profile).
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // The caller hears of the timeout when it happens, not when the SDK has finished unwinding the
  // aborted request (which can take a while more): a deadline is kept to the millisecond it names.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new BrokerTimeoutError(operation, timeoutMs));
    }, timeoutMs);
  });
  const relay = signal === undefined ? undefined : new AbortRelay(signal, controller);
  if (signal?.aborted) relay!.handleEvent();
  else if (relay) signal!.addEventListener('abort', relay, { once: true });
  const pending = call(controller.signal);
  pending.catch(() => undefined); // after a timeout its rejection is the abort's, already reported
  try {
    return await Promise.race([pending, expired]);
  } catch (error) {
    if (error instanceof BrokerTimeoutError) throw error;
    if (timedOut && signal?.aborted !== true) throw new BrokerTimeoutError(operation, timeoutMs, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    if (relay) signal!.removeEventListener('abort', relay);
  }
}

/** Aborts `controller` when `signal` aborts, with its reason (a listener object: no closure to name per call). */
class AbortRelay {
  constructor(
    private readonly signal: AbortSignal,
    private readonly controller: AbortController,
  ) {}

  handleEvent(): void {
    this.controller.abort(this.signal.reason);
  }
}
