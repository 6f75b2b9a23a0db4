import { createMemoryStore } from '../memory-store.js';
import type { RateLimitStore } from '../rate-limit-store.js';

/**
 * A memory store seen as a synchronous store that is not local, so the limiter keeps its
 * blocked-key cache in front of it, and failures are synchronous throws: the paths of
 * `limitSync()` that the memory store alone never takes.
 */
export function createSyncStore(clock?: () => number) {
  const inner = createMemoryStore(clock ? { clock } : {});
  const state = {
    calls: 0,
    failWith: undefined as Error | undefined,
  };
  const executeSync: NonNullable<RateLimitStore['executeSync']> = (
    subject,
    plan,
    operation,
    cost,
    tokens,
    holdId,
  ) => {
    state.calls++;
    if (state.failWith) throw state.failWith;
    return inner.execute(subject, plan, operation, cost, tokens, holdId);
  };
  const store: RateLimitStore = {
    local: false,
    execute: executeSync,
    executeSync,
    reset(subject) {
      inner.reset(subject);
    },
  };
  return { store, state };
}
