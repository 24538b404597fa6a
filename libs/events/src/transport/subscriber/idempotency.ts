/** What a claim found: the caller now owns the event, another consumer is on it, or it is done. */
export type ClaimOutcome = 'claimed' | 'in-progress' | 'completed';

/**
 * Remembers which event ids are being handled and which were handled, so an event SQS delivers
 * twice (at-least-once, or published twice) is applied once. The check and the claim are one
 * atomic step: two consumers asking at once get 'claimed' once. A claim that is neither completed
 * nor released expires after `inProgressTtlMs` (its consumer died), and the event may run again.
 *
 * The in-memory store protects one process; replicas share a {@link DynamoDbIdempotencyStore}.
 */
export interface IdempotencyStore {
  /** Atomically claims `id` for `inProgressTtlMs` unless it is claimed or completed already. */
  claim(id: string, inProgressTtlMs: number): ClaimOutcome | Promise<ClaimOutcome>;
  /** The claimed event was handled: remember it as completed for `ttlMs`. */
  complete(id: string, ttlMs: number): void | Promise<void>;
  /** The handler failed: give the claim up so the retry can run. */
  release(id: string): void | Promise<void>;
  /** The handler is still running: keep the claim for another `inProgressTtlMs`. */
  renew?(id: string, inProgressTtlMs: number): void | Promise<void>;
  /**
   * Claims a pack (many events of a high-volume type in one message) as one record, and says which
   * of its events an earlier attempt finished: one claim per pack instead of one per event. With
   * `releasePack`, the subscriber claims packs this way (`complete` ends one); without, per event.
   */
  claimPack?(id: string, inProgressTtlMs: number): PackClaim | Promise<PackClaim>;
  /** Gives a pack's claim up, remembering for `ttlMs` which of its events (their places in it) are done. */
  releasePack?(id: string, done: readonly number[], ttlMs: number): void | Promise<void>;
}

/** A pack's claim: its outcome, and the places of its events finished by earlier attempts. */
export interface PackClaim {
  outcome: ClaimOutcome;
  done: readonly number[];
}

interface Entry {
  /** 'released': a pack given up with some of its events done (`done`); claimable. */
  status: 'in-progress' | 'completed' | 'released';
  expiresAt: number;
  done?: readonly number[];
}

/** Per-process store; bounded, oldest entries go first. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  claim(id: string, inProgressTtlMs: number): ClaimOutcome {
    const entry = this.entries.get(id);
    const now = this.now();
    if (entry !== undefined && entry.expiresAt > now && entry.status !== 'released') return entry.status;
    this.set(id, { status: 'in-progress', expiresAt: now + inProgressTtlMs });
    return 'claimed';
  }

  claimPack(id: string, inProgressTtlMs: number): PackClaim {
    const entry = this.entries.get(id);
    const now = this.now();
    if (entry !== undefined && entry.expiresAt > now && entry.status !== 'released') return { outcome: entry.status, done: [] };
    // An expired in-progress claim (its holder died) keeps what an attempt before it finished.
    const done = entry !== undefined && (entry.status === 'in-progress' || entry.expiresAt > now) ? (entry.done ?? []) : [];
    this.set(id, { status: 'in-progress', expiresAt: now + inProgressTtlMs, done });
    return { outcome: 'claimed', done };
  }

  releasePack(id: string, done: readonly number[], ttlMs: number): void {
    const entry = this.entries.get(id);
    if (entry?.status !== 'in-progress') return;
    entry.status = 'released';
    entry.done = [...done];
    entry.expiresAt = this.now() + ttlMs;
  }

  complete(id: string, ttlMs: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return this.set(id, { status: 'completed', expiresAt: this.now() + ttlMs });
    // Completed where it was claimed: a moment ago, so it keeps its place in the eviction order.
    entry.status = 'completed';
    entry.expiresAt = this.now() + ttlMs;
  }

  release(id: string): void {
    if (this.entries.get(id)?.status === 'in-progress') this.entries.delete(id);
  }

  renew(id: string, inProgressTtlMs: number): void {
    const entry = this.entries.get(id);
    if (entry?.status === 'in-progress') entry.expiresAt = this.now() + inProgressTtlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  private set(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    // Map keeps insertion order, so the first key is the oldest record.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}
