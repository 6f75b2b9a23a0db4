import { LRUCache } from 'lru-cache';
import type { RateLimitDecision } from './rate-limit-decision.js';
import type { TierPlan } from './tier-plan.js';

interface BlockedEntry {
  /** When the request windows let the key pass again (epoch ms, limiter clock). */
  readonly until: number;
  /** The cost that was refused: a smaller one may still fit. */
  readonly cost: number;
  readonly decision: RateLimitDecision;
}

/**
 * Keys over a request limit, per tier, so a blocked client costs no store round trip until it
 * may pass again. Each tier's cache is an LRU of at most `max` keys.
 */
export class BlockedKeys {
  readonly #max: number;
  readonly #clock: () => number;
  readonly #byPlan = new Map<TierPlan, LRUCache<string, BlockedEntry>>();

  constructor(max: number, clock: () => number) {
    this.#max = max;
    this.#clock = clock;
  }

  /** The cached denial of `key`, or undefined when the store must decide. */
  find(key: string, plan: TierPlan, cost: number, shadow: boolean): RateLimitDecision | undefined {
    if (cost === 0) return undefined;
    const entry = this.#byPlan.get(plan)?.get(key);
    if (entry === undefined || cost < entry.cost) return undefined;
    const now = this.#clock();
    if (now >= entry.until) return undefined;
    return {
      ...entry.decision,
      reason: 'cached-block',
      retryAfterMs: shadow ? 0 : entry.until - now,
    };
  }

  /** Remembers a key a request window refused, until the longest request window wait. */
  remember(key: string, plan: TierPlan, cost: number, decision: RateLimitDecision): void {
    if (decision.reason !== 'limit-exceeded' || cost === 0) return;
    let wait = 0;
    // Token holds may be freed early, so only request windows count.
    for (const policy of decision.policies)
      if (policy.unit === 'requests' && policy.retryAfterMs > wait) wait = policy.retryAfterMs;
    let cache = this.#byPlan.get(plan);
    if (cache === undefined) {
      cache = new LRUCache({ max: this.#max });
      this.#byPlan.set(plan, cache);
    }
    const now = this.#clock();
    const previous = cache.get(key);
    if (previous === undefined || previous.until <= now || cost < previous.cost)
      cache.set(key, { until: now + wait, cost, decision });
  }

  /** Forgets `key` in every tier. */
  forget(key: string): void {
    for (const cache of this.#byPlan.values()) cache.delete(key);
  }
}
