import type { Response } from 'express';

/**
 * Server-sent event streams a service holds open (the live page). They are capped, so open pages
 * cannot pile up without bound, and closed on shutdown, so an open page never holds a stopping
 * service past its deadline.
 */
export class EventStreams {
  private readonly open = new Set<Response>();

  /** @param max streams open at once; one more is answered 503. */
  constructor(readonly max = 50) {}

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
    this.open.add(res);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    res.on('close', () => {
      this.open.delete(res);
      onClose();
    });
    return true;
  }

  send(res: Response, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every open stream (the browser's EventSource reconnects to whichever instance is up). */
  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
