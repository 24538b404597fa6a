// The one batching primitive of the transport: items gather into requests that leave when full,
// after a window, or (eager) as soon as nothing else is in flight; flush() sends the rest and waits
// for every request. Publishing (PublishBatch) and deleting (DeleteMessageBatch) both use it.

export interface BatchingOptions<T> {
  /** The longest a partial batch waits; undefined: (eager only) a partial batch waits for a request to settle, however long. */
  windowMs: number | undefined;
  /** Requests at once; full batches beyond wait for one to settle. @defaultValue unbounded */
  maxInFlight?: number;
  /**
   * Eager: what is added in one turn of the event loop leaves at its end when nothing is in flight
   * (a lone item goes at once), and a partial batch also leaves when a request settles. Otherwise a
   * partial batch always waits `windowMs`. @defaultValue false
   */
  eager?: boolean;
  /** Whether the pending items make a full batch (by count, and by their summed sizes). */
  isFull(count: number, bytes: number): boolean;
  /** @defaultValue 0 */
  sizeOf?(item: T): number;
  /** Removes one batch from the front of `pending` (in place) and returns it. */
  take(pending: T[]): T[];
  /** Sends one batch; settles every item itself and never rejects. */
  send(batch: T[]): Promise<void>;
}

export class Batcher<T> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private kickScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: BatchingOptions<T>) {}

  add(item: T): void {
    this.pending.push(item);
    this.pendingBytes += this.options.sizeOf?.(item) ?? 0;
    this.sendFull();
    if (this.pending.length === 0) return;
    if (!this.options.eager) {
      this.arm();
    } else if (!this.kickScheduled) {
      // At the end of this turn: everything added in it shares the request.
      this.kickScheduled = true;
      queueMicrotask(() => {
        this.kickScheduled = false;
        this.kick();
      });
    }
  }

  /** Sends everything pending (up to `maxInFlight` at a time) and resolves when every request has settled. */
  async flush(): Promise<void> {
    for (;;) {
      this.drain();
      if (this.inFlight.size === 0 && this.pending.length === 0) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private sendFull(): void {
    while (this.options.isFull(this.pending.length, this.pendingBytes) && this.inFlight.size < (this.options.maxInFlight ?? Infinity)) this.sendOne();
  }

  /** A partial batch leaves now when nothing is in flight; otherwise when a request settles, or after `windowMs`. */
  private kick(): void {
    this.sendFull();
    if (this.pending.length === 0) return;
    if (this.inFlight.size === 0) this.drain();
    else this.arm();
  }

  private arm(): void {
    if (this.options.windowMs !== undefined) this.timer ??= setTimeout(() => this.drain(), this.options.windowMs);
  }

  /** Sends what is pending, never more than `maxInFlight` requests at once: the rest follows as they settle. */
  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0 && this.inFlight.size < (this.options.maxInFlight ?? Infinity)) this.sendOne();
  }

  private sendOne(): void {
    const batch = this.options.take(this.pending);
    for (const item of batch) this.pendingBytes -= this.options.sizeOf?.(item) ?? 0;
    if (this.pending.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const request = this.options.send(batch).finally(() => {
      this.inFlight.delete(request);
      if (this.pending.length > 0) {
        if (this.options.eager) this.kick();
        else this.arm();
      }
    });
    this.inFlight.add(request);
  }
}
