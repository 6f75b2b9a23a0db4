import type { StoreRequest } from './rate-limit-store.js';
import type { RateLimitTier } from './rate-limit-tier.js';
import { WINDOW_ALGORITHMS, type WindowAlgorithm } from './window-algorithm.js';

/** Numeric code of each {@link WindowAlgorithm} in store field names and the Lua script. */
export const ALGORITHM_CODE = {
  'sliding-window': 0,
  'fixed-window': 1,
  'token-bucket': 2,
} as const satisfies Record<WindowAlgorithm, number>;

/** Settings a {@link TierPlan} takes from its limiter. */
export interface TierPlanSettings {
  /** Algorithm for windows that name none. */
  readonly algorithm: WindowAlgorithm;
  /** How long an unsettled token reservation holds its tokens. */
  readonly reservationTtlMs: number;
}

/** One window of a plan: its definition with the defaults filled in. */
export interface WindowPlan {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly unit: 'requests' | 'tokens';
  readonly algorithm: WindowAlgorithm;
}

/**
 * A tier checked once and prepared for stores: windows with defaults filled in and the
 * numbers every store needs. Nothing in it changes after construction. The limiter builds it;
 * it is exported as a type for stores to read, and its shape may change between minor versions.
 */
export class TierPlan {
  /** Tier name. */
  readonly tier: string;
  /** Windows in decision order. */
  readonly windows: readonly WindowPlan[];
  /** Tiers with the same layout share counters, so a subject keeps its usage across upgrades. */
  readonly layout: string;
  /** Whether any window counts tokens. */
  readonly hasTokens: boolean;
  /** The smallest token limit (0 without a token window). */
  readonly smallestTokenLimit: number;
  /** Largest hold `reserve()` asks for: the smallest token limit, or no cap with `'deny'`. */
  readonly maxReservation: number;
  /** How long an unsettled reservation holds its tokens. */
  readonly reservationTtlMs: number;
  /** TTL of a subject's Redis hash: twice what its state needs after a write. */
  readonly keyTtlMs: number;
  /** Most requests of one key in flight at once, from the tier (`undefined`: no limit). */
  readonly concurrency: number | undefined;
  #scaled: Map<number, TierPlan> | undefined;

  constructor(tier: string, definition: RateLimitTier, settings: TierPlanSettings, divisor = 1) {
    this.tier = tier;
    this.windows = definition.windows.map((window) => ({
      name: window.name,
      limit: divisor === 1 ? window.limit : Math.max(1, Math.floor(window.limit / divisor)),
      windowMs: window.windowMs,
      unit: window.unit ?? 'requests',
      algorithm: window.algorithm ?? settings.algorithm,
    }));
    // One field per window: unit, algorithm and length (never the limit, so tiers share it).
    this.layout = this.windows
      .map(
        (window) =>
          `${window.unit === 'tokens' ? 't' : 'r'}${ALGORITHM_CODE[window.algorithm]}${window.windowMs.toString(36)}:`,
      )
      .join('');
    const tokenLimits = this.windows.filter((w) => w.unit === 'tokens').map((w) => w.limit);
    this.hasTokens = tokenLimits.length > 0;
    this.smallestTokenLimit = this.hasTokens ? Math.min(...tokenLimits) : 0;
    this.maxReservation =
      definition.oversizedEstimate === 'deny' ? Number.MAX_SAFE_INTEGER : this.smallestTokenLimit;
    this.reservationTtlMs = settings.reservationTtlMs;
    this.concurrency = definition.concurrency;
    // Sliding windows read the previous window too, and holds must outlive their own TTL; the
    // Redis script pushes the TTL back once half of it has passed, hence twice that.
    const longest = Math.max(...this.windows.map((window) => window.windowMs * 2));
    this.keyTtlMs = 2 * (Math.max(longest, this.hasTokens ? settings.reservationTtlMs : 0) + 1_000);
  }

  /**
   * This plan with every limit divided by `divisor` (at least 1), cached: what one of
   * `divisor` instances allows on its own while the shared store is down.
   */
  scaled(divisor: number): TierPlan {
    if (divisor === 1) return this;
    this.#scaled ??= new Map();
    let plan = this.#scaled.get(divisor);
    if (!plan) {
      plan = new TierPlan(
        this.tier,
        { windows: this.windows },
        { algorithm: 'sliding-window', reservationTtlMs: this.reservationTtlMs },
        divisor,
      );
      this.#scaled.set(divisor, plan);
    }
    return plan;
  }
}

/** Checks a tier definition and throws a precise `TypeError`/`RangeError` when it is invalid. */
export function validateTier(name: string, tier: RateLimitTier): void {
  if (typeof tier !== 'object' || tier === null || !Array.isArray(tier.windows))
    throw new TypeError(`tier "${name}" must be an object with a windows array`);
  if (tier.windows.length === 0 || tier.windows.length > 16)
    throw new RangeError(
      `tier "${name}" must have between 1 and 16 windows, got ${tier.windows.length}`,
    );
  const names = new Set<string>();
  const fields = new Set<string>();
  for (const window of tier.windows) {
    if (typeof window.name !== 'string' || window.name === '')
      throw new TypeError(`every window of tier "${name}" needs a non-empty name`);
    if (names.has(window.name))
      throw new RangeError(`tier "${name}" has two windows named "${window.name}"`);
    names.add(window.name);
    const where = `tier "${name}" window "${window.name}"`;
    if (!Number.isSafeInteger(window.limit) || window.limit < 1)
      throw new RangeError(`${where}: limit must be an integer ≥ 1, got ${window.limit}`);
    if (!Number.isSafeInteger(window.windowMs) || window.windowMs < 1)
      throw new RangeError(`${where}: windowMs must be an integer ≥ 1, got ${window.windowMs}`);
    if (window.unit !== undefined && window.unit !== 'requests' && window.unit !== 'tokens')
      throw new TypeError(
        `${where}: unit must be 'requests' or 'tokens', got ${String(window.unit)}`,
      );
    if (window.algorithm !== undefined && !WINDOW_ALGORITHMS.includes(window.algorithm))
      throw new TypeError(
        `${where}: algorithm must be one of ${WINDOW_ALGORITHMS.join(', ')}, got ${String(window.algorithm)}`,
      );
    const field = `${window.unit ?? 'requests'}/${window.algorithm ?? ''}/${window.windowMs}`;
    if (fields.has(field))
      throw new RangeError(
        `${where}: another ${window.unit ?? 'requests'} window of the same length and algorithm exists`,
      );
    fields.add(field);
  }
  const { concurrency } = tier;
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && concurrency >= 1))
    throw new RangeError(
      `tier "${name}": concurrency must be an integer ≥ 1, got ${String(concurrency)}`,
    );
  const oversized = tier.oversizedEstimate;
  if (oversized !== undefined && oversized !== 'cap' && oversized !== 'deny')
    throw new TypeError(
      `tier "${name}": oversizedEstimate must be 'cap' or 'deny', got ${String(oversized)}`,
    );
}

/** A one-window plan for health probes: a peek on it touches nothing. */
export const PROBE_PLAN: TierPlan = new TierPlan(
  '__probe__',
  { windows: [{ name: 'probe', limit: 1, windowMs: 1_000 }] },
  { algorithm: 'fixed-window', reservationTtlMs: 1_000 },
);

/** The health probe's request: a peek at `subject` on {@link PROBE_PLAN}. */
export function probeRequest(subject: string): StoreRequest {
  return { subject, plan: PROBE_PLAN, operation: 'peek', cost: 1, tokens: 0, holdId: '' };
}
