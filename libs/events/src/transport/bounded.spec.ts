// Tests: bounded() ends a call at its deadline, or when the caller's signal aborts, and tells which.
import { describe, expect, it } from 'vitest';
import { bounded, BrokerTimeoutError } from './bounded';

/** A call that never answers on its own: it ends only when its signal aborts (as the SDK does, at once if it already is), with that signal's reason. */
const hangs = (seen: AbortSignal[]) => (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    seen.push(signal);
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

describe('bounded', () => {
  it('times the call out at its deadline, aborting what it passed the call', async () => {
    const seen: AbortSignal[] = [];
    const started = performance.now();
    await expect(bounded('ReceiveMessage', 50, hangs(seen))).rejects.toThrow(new BrokerTimeoutError('ReceiveMessage', 50));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen[0]?.aborted).toBe(true);
  });

  it("passes the caller's abort on with its own reason, not as a timeout", async () => {
    const seen: AbortSignal[] = [];
    const stop = new AbortController();
    const reason = new Error('stopping');
    const call = bounded('ReceiveMessage', 10_000, hangs(seen), stop.signal);
    stop.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(seen[0]?.reason).toBe(reason);
  });

  it('hands an already aborted signal to the call', async () => {
    const stop = new AbortController();
    stop.abort(new Error('already stopped'));
    await expect(bounded('ReceiveMessage', 10_000, hangs([]), stop.signal)).rejects.toThrow('already stopped');
  });

  it('returns what the call returns, and a later abort of the caller reaches nothing', async () => {
    const stop = new AbortController();
    const seen: AbortSignal[] = [];
    await expect(bounded('DeleteMessageBatch', 1_000, async (signal) => (seen.push(signal), 'done'), stop.signal)).resolves.toBe('done');
    stop.abort();
    expect(seen[0]?.aborted).toBe(false);
  });
});
