// How one receive's messages are run: one by one (each on its own), together (batch handlers get
// their type's events in one call), or, on a FIFO queue, one after the other within each message
// group. Every message's slot frees as soon as it comes to its end.
import { byMessageGroup, type InFlightMessages, type Lease } from './InFlightMessages';
import type { MessagePipeline } from './MessagePipeline';

export class Dispatch {
  constructor(
    private readonly pipeline: MessagePipeline,
    private readonly inFlight: InFlightMessages,
    /** Gives messages back to the queue unhandled. */
    private readonly release: (leases: Lease[]) => Promise<void>,
    /** A message whose processing failed unexpectedly (e.g. the idempotency store failed): it becomes visible again later. */
    private readonly onUnexpected: (lease: Lease, error: unknown) => void,
  ) {}

  /** Runs one message to its end and frees its slot; whether it is gone for good (deleted) or comes back. */
  async one(lease: Lease): Promise<boolean> {
    try {
      await this.pipeline.run(lease);
    } catch (error) {
      this.onUnexpected(lease, error);
    } finally {
      this.inFlight.settle(lease);
    }
    return lease.deleted === true;
  }

  /** Runs one receive's messages together, freeing each slot as its message ends. */
  async together(leases: readonly Lease[]): Promise<void> {
    try {
      await this.pipeline.runBatch(leases, (lease, error) => {
        if (error !== undefined) this.onUnexpected(lease, error);
        this.inFlight.settle(lease);
      });
    } finally {
      // Each was settled when it came to its end; settling is idempotent.
      for (const lease of leases) this.inFlight.settle(lease);
    }
  }

  /**
   * A FIFO receive: each message group's messages run one after the other, in the order SQS gave
   * them; groups run side by side. When one comes back (a retry, a deferral), the group's later
   * messages are released unhandled, so they come back after it.
   */
  inGroups(leases: readonly Lease[]): void {
    for (const chain of byMessageGroup(leases)) {
      void (async () => {
        for (const [index, lease] of chain.entries()) {
          if (await this.one(lease)) continue;
          await this.release(chain.slice(index + 1));
          return;
        }
      })();
    }
  }
}
