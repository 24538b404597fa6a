import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from './idempotency';

describe('InMemoryIdempotencyStore', () => {
  it('remembers an id for its window, then forgets it', () => {
    let now = 1_000;
    const store = new InMemoryIdempotencyStore(10, () => now);
    store.add('a', 500);
    expect(store.has('a')).toBe(true);
    now = 1_499;
    expect(store.has('a')).toBe(true);
    now = 1_500;
    expect(store.has('a')).toBe(false);
    expect(store.size).toBe(0);
  });

  it('stays within its bound by dropping the oldest ids', () => {
    const store = new InMemoryIdempotencyStore(3, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) store.add(id, 1_000);
    expect(store.size).toBe(3);
    expect(store.has('a')).toBe(false);
    expect(store.has('d')).toBe(true);
  });
});
