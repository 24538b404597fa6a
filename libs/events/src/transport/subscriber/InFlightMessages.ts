// What a subscriber holds: handler slots, one lease per SQS message with its newest receipt handle,
// and the events it has claimed.
import type { Message } from '@aws-sdk/client-sqs';

/**
 * One SQS message while this subscriber holds it. SQS may deliver the same message again while
 * it is held (a missed heartbeat): every copy has a new receipt handle, and only the newest one
 * deletes it or changes its visibility, so the lease always carries the newest.
 */
export interface Lease {
  readonly messageId: string;
  /** The copy first received: its body and attributes. */
  readonly message: Message;
  /** The newest receipt handle; the one every later delete, retry or heartbeat uses. */
  receiptHandle: string;
  /** The highest ApproximateReceiveCount seen for this message. */
  receiveCount: number;
  /** Given back to the queue (shutdown, a receive that returned after stop): no later outcome touches it. */
  released: boolean;
  /** The event id this lease holds the local claim of, once it has one. */
  claimedEventId?: string;
  /** When it was received (performance.now()): how long its handler has held its slot. */
  readonly receivedAt: number;
  /** SQS confirmed its delete: it will not come back (handled, a duplicate, or parked in the DLQ). */
  deleted?: boolean;
}

/**
 * The in-flight bookkeeping of one subscriber, in one place: handler slots shared by every poller
 * (`concurrency` is a hard cap: a poller reserves slots before it receives), one lease per SQS
 * message (a redelivered copy of a held message updates the lease and is never handled or deleted
 * on its own), and the local claim on each event id (the same event in two messages runs once).
 */
export class InFlightMessages {
  private readonly leases = new Map<string, Lease>();
  private readonly claimedEvents = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private reserved = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.leases.size;
  }

  /** How long the oldest held message has been held, in ms; 0 when none is. Walks at most `capacity` leases. */
  oldestHeldMs(now = performance.now()): number {
    let oldest = now;
    for (const lease of this.leases.values()) oldest = Math.min(oldest, lease.receivedAt);
    return now - oldest;
  }

  /** Every slot held, each for longer than `boundMs`: nothing new can be handled until one ends. */
  allHeldLongerThan(boundMs: number, now = performance.now()): boolean {
    if (this.leases.size < this.capacity) return false;
    for (const lease of this.leases.values()) if (now - lease.receivedAt <= boundMs) return false;
    return true;
  }

  /** The most held at once since construction: leases plus slots reserved for a receive. */
  peak = 0;

  /** Reserves up to `max` handler slots for one receive; 0 when all are taken. */
  reserve(max: number): number {
    const slots = Math.max(0, Math.min(max, this.capacity - this.leases.size - this.reserved));
    this.reserved += slots;
    this.peak = Math.max(this.peak, this.leases.size + this.reserved);
    return slots;
  }

  /** Returns what a receive reserved; call before {@link admit}ting what it returned. */
  unreserve(slots: number): void {
    this.reserved -= slots;
    if (slots > 0) this.notify();
  }

  /**
   * Takes a received message. A message already held is a redelivery: its lease now carries the
   * newest receipt handle, and `undefined` tells the caller not to handle it a second time.
   */
  admit(message: Message): Lease | undefined {
    const messageId = message.MessageId ?? message.ReceiptHandle ?? '';
    const receiveCount = Number(message.Attributes?.['ApproximateReceiveCount'] ?? '1');
    const held = this.leases.get(messageId);
    if (held !== undefined) {
      if (message.ReceiptHandle !== undefined) held.receiptHandle = message.ReceiptHandle;
      held.receiveCount = Math.max(held.receiveCount, receiveCount);
      return undefined;
    }
    const lease: Lease = { messageId, message, receiptHandle: message.ReceiptHandle ?? '', receiveCount, released: false, receivedAt: performance.now() };
    this.leases.set(messageId, lease);
    this.peak = Math.max(this.peak, this.leases.size + this.reserved);
    return lease;
  }

  /** The local half of the atomic claim: false when another held message carries the same event. */
  claimEvent(lease: Lease, eventId: string): boolean {
    if (this.claimedEvents.has(eventId)) return false;
    this.claimedEvents.add(eventId);
    lease.claimedEventId = eventId;
    return true;
  }

  /** A pack's event has ended: its local claim is free (the pack's message holds the slot). */
  releaseEvent(eventId: string): void {
    this.claimedEvents.delete(eventId);
  }

  /** The lease is over (deleted, retried, dead-lettered or released): its slot and claim are free. */
  settle(lease: Lease): void {
    // Settling twice (released at shutdown, then its handler ends) must not free a newer lease.
    if (this.leases.get(lease.messageId) !== lease) return;
    if (lease.claimedEventId !== undefined) this.claimedEvents.delete(lease.claimedEventId);
    this.leases.delete(lease.messageId);
    this.notify();
  }

  unsettled(): Lease[] {
    return [...this.leases.values()];
  }

  /** Resolves when a lease settles, a slot frees, or `signal` aborts. */
  waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A FIFO receive's messages by message group, each group in the order SQS returned it. */
export function byMessageGroup(leases: readonly Lease[]): Lease[][] {
  const groups = new Map<string, Lease[]>();
  for (const lease of leases) {
    const group = lease.message.Attributes?.['MessageGroupId'] ?? lease.messageId;
    const chain = groups.get(group);
    if (chain) chain.push(lease);
    else groups.set(group, [lease]);
  }
  return [...groups.values()];
}
