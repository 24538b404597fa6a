// The server-sent event streams a service holds open: capped in all and per address, and closed
// first on shutdown.
import type { Response } from 'express';

/**
 * Server-sent event streams a service holds open (the live page). They are capped, in all and per
 * client address, so open pages cannot pile up without bound nor one client take every slot; a
 * stream whose client stops reading is dropped once its unsent bytes pass a bound, so it cannot
 * grow the service's memory; and all are closed on shutdown, so an open page never holds a
 * stopping service past its deadline.
 */
export class EventStreams {
  private readonly open = new Set<Response>();
  private readonly byAddress = new Map<string, number>();

  /**
   * @param max streams open at once; one more is answered 503.
   * @param maxPerAddress streams one client address may hold; one more is answered 503.
   * @param maxUnsentBytes a stream with more than this waiting to be sent is dropped (its page reconnects).
   */
  constructor(
    readonly max = 50,
    readonly maxPerAddress = 5,
    readonly maxUnsentBytes = 1_000_000,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Starts a stream on `res`, or answers 503 when `max` are open. Returns false when refused;
   * `onClose` runs once the stream ends, whichever side ends it.
   */
  attach(res: Response, onClose: () => void): boolean {
    if (this.open.size >= this.max) {
      res.status(503).set('retry-after', '30').json({ error: `too many open streams (${this.max})` });
      return false;
    }
    const address = res.req.socket.remoteAddress ?? 'unknown';
    const held = this.byAddress.get(address) ?? 0;
    if (held >= this.maxPerAddress) {
      res.status(503).set('retry-after', '30').json({ error: `too many open streams from one address (${this.maxPerAddress})` });
      return false;
    }
    this.byAddress.set(address, held + 1);
    this.open.add(res);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    res.on('close', () => {
      this.open.delete(res);
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
      onClose();
    });
    return true;
  }

  /** Writes one event; drops the stream instead when its client has stopped reading. */
  send(res: Response, event: string, data: unknown): void {
    if (res.destroyed) return;
    if (res.writableLength > this.maxUnsentBytes) {
      res.destroy();
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every open stream (the browser's EventSource reconnects to whichever instance is up). */
  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
