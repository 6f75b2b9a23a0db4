import { createMemoryStore } from '../../memory-store.js';
import { createRateLimiter, type RateLimiter } from '../../rate-limiter.js';
import type { RateLimiterOptions } from '../../rate-limiter-options.js';

/** The package's real limiter on its real MemoryStore, as the middleware tests use it. */
export function createTestLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return createRateLimiter({ store: createMemoryStore(), ...options });
}
