import { describe, expect, it } from 'vitest';
import { describeConcurrencyStoreContract } from './__fixtures__/concurrency-store-contract.js';
import { createMemoryConcurrencyStore } from './memory-concurrency-store.js';

describe('MemoryConcurrencyStore', () => {
  let sequence = 0;
  describeConcurrencyStoreContract('MemoryConcurrencyStore', {
    store: () => createMemoryConcurrencyStore(),
    key: (name) => `${name}:${++sequence}`,
  });

  it('forgets keys whose leases all expired, even keys nobody asks about again', () => {
    let now = 1_000_000;
    const store = createMemoryConcurrencyStore({ clock: () => now });
    for (let index = 0; index < 1_000; index++)
      store.acquire({ key: `user:${index}`, leaseId: 'a', limit: 1, leaseMs: 5_000 });
    expect(store.size).toBe(1_000);
    now += 60_000;
    // One call on another key sweeps every expired key.
    store.acquire({ key: 'someone-else', leaseId: 'b', limit: 1, leaseMs: 5_000 });
    expect(store.size).toBe(1);
  });
});
