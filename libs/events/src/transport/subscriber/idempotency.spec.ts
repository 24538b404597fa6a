// Tests: InMemoryIdempotencyStore.
import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from './idempotency';

describe('InMemoryIdempotencyStore', () => {
  it('claims once: a second claim sees the first in progress, then completed', () => {
    const store = new InMemoryIdempotencyStore();
    expect(store.claim('a', 1_000)).toBe('claimed');
    expect(store.claim('a', 1_000)).toBe('in-progress');
    store.complete('a', 1_000);
    expect(store.claim('a', 1_000)).toBe('completed');
  });

  it('a released claim can be taken again (the retry runs)', () => {
    const store = new InMemoryIdempotencyStore();
    store.claim('a', 1_000);
    store.release('a');
    expect(store.claim('a', 1_000)).toBe('claimed');
  });

  it('release never forgets a completed event', () => {
    const store = new InMemoryIdempotencyStore();
    store.claim('a', 1_000);
    store.complete('a', 1_000);
    store.release('a');
    expect(store.claim('a', 1_000)).toBe('completed');
  });

  it('an abandoned claim expires; a renewed one does not', () => {
    let now = 0;
    const store = new InMemoryIdempotencyStore(10, () => now);
    store.claim('dead', 500);
    store.claim('alive', 500);
    now = 400;
    store.renew('alive', 500);
    now = 600;
    expect(store.claim('dead', 500)).toBe('claimed');
    expect(store.claim('alive', 500)).toBe('in-progress');
  });

  it('remembers a completed id for its window, then forgets it', () => {
    let now = 1_000;
    const store = new InMemoryIdempotencyStore(10, () => now);
    store.claim('a', 100);
    store.complete('a', 500);
    now = 1_499;
    expect(store.claim('a', 100)).toBe('completed');
    now = 1_500;
    expect(store.claim('a', 100)).toBe('claimed');
  });

  it('stays within its bound by dropping the oldest ids', () => {
    const store = new InMemoryIdempotencyStore(3, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) store.complete(id, 1_000);
    expect(store.size).toBe(3);
    expect(store.claim('a', 1)).toBe('claimed');
    expect(store.claim('d', 1)).toBe('completed');
  });
});
