/**
 * Remembers which event ids were handled, so an event SQS delivers twice (at-least-once) is
 * applied once. Implement it over Redis or DynamoDB to share the window across instances.
 */
export interface IdempotencyStore {
  /** True when `id` was recorded as handled and its window has not passed. */
  has(id: string): boolean | Promise<boolean>;
  /** Records `id` as handled for `ttlMs`. */
  add(id: string, ttlMs: number): void | Promise<void>;
}

/** Per-process store; bounded, oldest entries go first. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  has(id: string): boolean {
    const expiry = this.expiries.get(id);
    if (expiry === undefined) return false;
    if (expiry > this.now()) return true;
    this.expiries.delete(id);
    return false;
  }

  add(id: string, ttlMs: number): void {
    this.expiries.delete(id);
    this.expiries.set(id, this.now() + ttlMs);
    // Map keeps insertion order, so the first key is the oldest record.
    while (this.expiries.size > this.maxEntries) {
      const oldest = this.expiries.keys().next();
      if (oldest.done === true) break;
      this.expiries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.expiries.size;
  }
}
