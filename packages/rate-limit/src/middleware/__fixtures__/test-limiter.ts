import { createMemoryStore } from '../../memory-store.js';
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
} from '../../rate-limiter.js';

/** The package's real limiter on its real MemoryStore, as the middleware tests use it. */
export function createTestLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return createRateLimiter({ store: createMemoryStore(), ...options });
}
