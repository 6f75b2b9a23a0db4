import { createMemoryStore } from '../memory-store.js';
import type { RateLimitStore } from '../rate-limit-store.js';

/**
 * A memory store seen through an asynchronous, non-local interface, so limiter paths meant for
 * remote stores (blocked-key cache, failures, timeouts) can run without a network.
 */
export function createAsyncStore(clock?: () => number) {
  const inner = createMemoryStore(clock ? { clock } : {});
  const state = {
    calls: 0,
    failWith: undefined as Error | undefined,
    hang: false,
  };
  const store: RateLimitStore = {
    local: false,
    execute(request) {
      state.calls++;
      if (state.hang) return new Promise(() => undefined);
      if (state.failWith) return Promise.reject(state.failWith);
      return Promise.resolve(inner.execute(request));
    },
    async reset(subject) {
      inner.reset(subject);
    },
  };
  return { store, state };
}
