import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { LRUCache } from 'lru-cache';
import { createMemoryStore } from './memory-store.js';
import type { PolicyDecision, RateLimitDecision } from './rate-limit-decision.js';
import type { RateLimitQuota } from './rate-limit-quota.js';
import { type RateLimitStore, REPLY_HEADER, type StoreReply } from './rate-limit-store.js';
import type { RateLimitTier } from './rate-limit-tier.js';
import type { RateLimiterEvents } from './rate-limiter-events.js';
import { ReservationSettledError } from './reservation-settled-error.js';
import { StoreNotSynchronousError } from './store-not-synchronous-error.js';
import { TierPlan, validateTier } from './tier-plan.js';
import { TIER_PRESETS } from './tier-presets.js';
import type {
  ReservationSettlement,
  SettleOptions,
  TokenReservation,
} from './token-reservation.js';
import { turnClock } from './turn-clock.js';
import { UnknownTierError } from './unknown-tier-error.js';
import { WINDOW_ALGORITHMS, type WindowAlgorithm } from './window-algorithm.js';

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Where counters live: `createMemoryStore()`, `createRedisStore()` or `createFallbackStore()`.
   * @default createMemoryStore()
   */
  readonly store?: RateLimitStore;
  /**
   * Tiers by name. Add your own with `{ ...TIER_PRESETS, GOLD: tierFromLimits({...}) }`.
   * @default TIER_PRESETS (FREE, BASIC, PRO, ENTERPRISE)
   */
  readonly tiers?: Readonly<Record<string, RateLimitTier>>;
  /**
   * Tier used when a call names none.
   * @default 'FREE'
   */
  readonly defaultTier?: string;
  /**
   * Algorithm of windows that name none.
   * @default 'sliding-window'
   */
  readonly algorithm?: WindowAlgorithm;
  /**
   * Cost multiplier per endpoint, e.g. `{ '/api/chat': 2, '/api/stream': 3 }`: a call's cost is
   * its `cost` (default 1) times the multiplier of its `endpoint` (default 1).
   * @default {}
   */
  readonly endpointCosts?: Readonly<Record<string, number>>;
  /**
   * Shadow mode (dark launch): decide, count and emit events, but let every request through.
   * Denials come back with `allowed: true`, `shadow: true` and their real `reason`.
   * @default false
   */
  readonly shadow?: boolean;
  /**
   * What a decision is when the store fails (and no fallback store answered instead):
   * `'open'` lets the request through, `'closed'` denies it; either way `reason` is
   * `'store-unavailable'` and a `store-error` event is emitted.
   * @default 'open'
   */
  readonly failMode?: 'open' | 'closed';
  /**
   * Used share of a window from which an allowed decision also emits `near-limit`.
   * @default 0.8
   */
  readonly nearLimitRatio?: number;
  /**
   * How long an unsettled token reservation holds its tokens before it expires.
   * @default 900_000 (15 minutes)
   */
  readonly reservationTtlMs?: number;
  /**
   * Local cache of keys already over a request limit, so a blocked client costs no store
   * round trip until it may pass again. Only used with stores that are not in memory.
   * `false` turns it off.
   * @default { max: 10_000 }
   */
  readonly blockedCache?: false | { readonly max?: number };
  /**
   * Clock in epoch milliseconds, for the blocked-key cache and fail-mode decisions (the memory
   * store has its own `clock` option).
   * @default `Date.now()` read at most once per event-loop turn (and every 32 reads within one)
   */
  readonly clock?: () => number;
}

/** Options of {@link RateLimiter.limitSync}. */
export interface LimitSyncOptions {
  /**
   * Tier to decide for.
   * @default the limiter's `defaultTier`
   */
  readonly tier?: string;
  /**
   * Request units this call costs in every request window (multiplied by the endpoint's cost).
   * @default 1
   */
  readonly cost?: number;
  /** The endpoint called, for the limiter's `endpointCosts`. */
  readonly endpoint?: string;
}

/** Options of {@link RateLimiter.limit}. */
export interface LimitOptions extends LimitSyncOptions {
  /** Aborts waiting for the store; the call then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Options of {@link RateLimiter.reserve}. */
export interface ReserveOptions extends LimitOptions {
  /**
   * Tokens to hold, e.g. input tokens plus `max_tokens`. Capped at the tier's smallest token
   * limit, so a large default estimate never refuses a small tier outright.
   */
  readonly estimate: number;
}

/** Options of {@link RateLimiter.getQuota} and {@link RateLimiter.reset}. */
export interface QuotaOptions {
  readonly signal?: AbortSignal;
}

/** A tiered, token-aware rate limiter; see {@link createRateLimiter}. */
export interface RateLimiter extends EventEmitter<RateLimiterEvents> {
  /** Tier names this limiter knows. */
  readonly tiers: readonly string[];
  /** The tier used when a call names none. */
  readonly defaultTier: string;
  /** The store counters live in. */
  readonly store: RateLimitStore;
  /**
   * Decides one request: every request window of the tier must have room for `cost` and every
   * token window must have at least 1 token left; otherwise nothing is consumed anywhere.
   * Denials resolve (`allowed: false`); only broken contracts reject.
   */
  limit(key: string, options?: LimitOptions): Promise<RateLimitDecision>;
  /**
   * {@link RateLimiter.limit} without the promise, for stores that answer synchronously (the
   * memory store): the same decision, the same events, shadow mode and costs, returned directly.
   * Saves the promise and its microtask per decision in hot loops. Broken calls throw (unknown
   * tier, invalid cost or key); with a store that may answer later (Redis, a fallback store) it
   * throws {@link StoreNotSynchronousError} before deciding anything.
   */
  limitSync(key: string, options?: LimitSyncOptions): RateLimitDecision;
  /**
   * Like {@link RateLimiter.limit} (cost defaults to 1; pass `cost: 0` when the request was
   * already counted) and, in the same atomic step, holds `estimate` tokens in every token window.
   * With a cost above 0 it emits `allowed`/`denied`/`near-limit` like `limit()`; a pure hold
   * (cost 0) emits only `denied`, when refused. Every call emits `reservation-decided`.
   */
  reserve(key: string, options: ReserveOptions): Promise<TokenReservation>;
  /** Same as `reservation.commit(actualTokens, options)`. */
  commit(
    reservation: TokenReservation,
    actualTokens: number,
    options?: SettleOptions,
  ): Promise<ReservationSettlement>;
  /** Same as `reservation.release(options)`. */
  release(reservation: TokenReservation, options?: SettleOptions): Promise<ReservationSettlement>;
  /** Reads a subject's quota without consuming anything. */
  getQuota(key: string, tier?: string, options?: QuotaOptions): Promise<RateLimitQuota>;
  /** Forgets every window and reservation of `key`, in every tier. */
  reset(key: string, options?: QuotaOptions): Promise<void>;
  /** Unsubscribes from the store and removes every listener. */
  close(): void;
}

interface BlockedEntry {
  readonly until: number;
  readonly cost: number;
  readonly decision: RateLimitDecision;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Retry-After given by a fail-closed decision when the store is down. */
const STORE_UNAVAILABLE_RETRY_MS = 1_000;
const EMPTY_POLICIES: readonly PolicyDecision[] = Object.freeze([]);

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>).then === 'function';
}

/** Resolves like `promise`, or rejects with the signal's reason once it aborts; removes its listener. */
function raceAbort<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function checkKey(key: string): void {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
}

function checkCount(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY)
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
}

function checkTokens(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
}

class RateLimiterImpl extends EventEmitter<RateLimiterEvents> implements RateLimiter {
  readonly tiers: readonly string[];
  readonly defaultTier: string;
  readonly store: RateLimitStore;
  readonly #plans: Map<string, TierPlan>;
  readonly #defaultPlan: TierPlan;
  readonly #endpointCosts: Map<string, number>;
  readonly #shadow: boolean;
  readonly #failOpen: boolean;
  readonly #nearLimitRatio: number;
  readonly #clock: () => number;
  /** Whether the store answers synchronously (has `executeSync`), read once at construction. */
  readonly #sync: boolean;
  /** Per tier, keys over a request limit; undefined when the store is local or it is off. */
  readonly #blocked: Map<TierPlan, LRUCache<string, BlockedEntry>> | undefined;
  readonly #blockedMax: number;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #holdPrefix = randomBytes(6).toString('base64url');
  /** The tier named by the previous call, which the next call usually names again. */
  #lastTier: string | undefined;
  #lastPlan: TierPlan;
  /** Which decision events have listeners, refreshed whenever listeners change. */
  #listening = { allowed: false, denied: false, nearLimit: false };
  #holdSequence = 0;

  constructor(options: RateLimiterOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new TypeError('createRateLimiter needs an options object');
    const tiers = options.tiers ?? TIER_PRESETS;
    if (typeof tiers !== 'object' || tiers === null)
      throw new TypeError('tiers must be an object of tier definitions');
    const algorithm = options.algorithm ?? 'sliding-window';
    if (!WINDOW_ALGORITHMS.includes(algorithm))
      throw new TypeError(
        `algorithm must be one of ${WINDOW_ALGORITHMS.join(', ')}, got ${String(algorithm)}`,
      );
    const reservationTtlMs = options.reservationTtlMs ?? 900_000;
    if (!Number.isSafeInteger(reservationTtlMs) || reservationTtlMs < 1)
      throw new RangeError(`reservationTtlMs must be an integer ≥ 1, got ${reservationTtlMs}`);
    this.#plans = new Map();
    for (const [name, tier] of Object.entries(tiers)) {
      validateTier(name, tier);
      this.#plans.set(name, new TierPlan(name, tier, { algorithm, reservationTtlMs }));
    }
    this.tiers = [...this.#plans.keys()];
    if (this.tiers.length === 0) throw new RangeError('tiers must define at least 1 tier, got 0');
    this.defaultTier = options.defaultTier ?? (this.#plans.has('FREE') ? 'FREE' : this.tiers[0]!);
    const defaultPlan = this.#plans.get(this.defaultTier);
    if (!defaultPlan)
      throw new RangeError(
        `defaultTier "${this.defaultTier}" is not one of the tiers: ${this.tiers.join(', ')}`,
      );
    this.#defaultPlan = defaultPlan;
    this.#lastPlan = defaultPlan;
    this.#endpointCosts = new Map();
    for (const [endpoint, multiplier] of Object.entries(options.endpointCosts ?? {})) {
      if (typeof multiplier !== 'number' || !(multiplier >= 0) || !Number.isFinite(multiplier))
        throw new RangeError(
          `endpointCosts["${endpoint}"] must be a finite number ≥ 0, got ${multiplier}`,
        );
      this.#endpointCosts.set(endpoint, multiplier);
    }
    this.#shadow = options.shadow ?? false;
    if (typeof this.#shadow !== 'boolean')
      throw new TypeError(`shadow must be a boolean, got ${String(this.#shadow)}`);
    const failMode = options.failMode ?? 'open';
    if (failMode !== 'open' && failMode !== 'closed')
      throw new TypeError(`failMode must be 'open' or 'closed', got ${String(failMode)}`);
    this.#failOpen = failMode === 'open';
    this.#nearLimitRatio = options.nearLimitRatio ?? 0.8;
    if (!(this.#nearLimitRatio > 0 && this.#nearLimitRatio <= 1))
      throw new RangeError(`nearLimitRatio must be > 0 and ≤ 1, got ${this.#nearLimitRatio}`);
    this.#clock = options.clock ?? turnClock;
    if (typeof this.#clock !== 'function') throw new TypeError('clock must be a function');
    this.store = options.store ?? createMemoryStore();
    if (typeof this.store !== 'object' || this.store === null || !this.store.execute)
      throw new TypeError(
        'store must be a rate-limit store (createMemoryStore, createRedisStore…)',
      );
    const blockedCache = options.blockedCache ?? {};
    if (blockedCache !== false && (typeof blockedCache !== 'object' || blockedCache === null))
      throw new TypeError('blockedCache must be false or { max }');
    this.#blockedMax = blockedCache === false ? 0 : (blockedCache.max ?? 10_000);
    if (!Number.isSafeInteger(this.#blockedMax) || this.#blockedMax < 0)
      throw new RangeError(`blockedCache.max must be an integer ≥ 1, got ${this.#blockedMax}`);
    this.#sync = typeof this.store.executeSync === 'function';
    this.#blocked = this.store.local === true || this.#blockedMax === 0 ? undefined : new Map();
    this.#unsubscribe = this.store.onStatusChange?.((event) => {
      if (event.type === 'fallback-engaged') this.emit('fallback-engaged', { error: event.error });
      else this.emit('fallback-recovered', {});
    });
  }

  #refreshListening(): void {
    this.#listening = {
      allowed: super.listenerCount('allowed') > 0,
      denied: super.listenerCount('denied') > 0,
      nearLimit: super.listenerCount('near-limit') > 0,
    };
  }

  override on<T extends EventEmitter.EventNames<RateLimiterEvents>>(
    event: T,
    listener: EventEmitter.EventListener<RateLimiterEvents, T>,
    context?: unknown,
  ): this {
    super.on(event, listener, context);
    this.#refreshListening();
    return this;
  }

  override addListener<T extends EventEmitter.EventNames<RateLimiterEvents>>(
    event: T,
    listener: EventEmitter.EventListener<RateLimiterEvents, T>,
    context?: unknown,
  ): this {
    return this.on(event, listener, context);
  }

  override once<T extends EventEmitter.EventNames<RateLimiterEvents>>(
    event: T,
    listener: EventEmitter.EventListener<RateLimiterEvents, T>,
    context?: unknown,
  ): this {
    super.once(event, listener, context);
    this.#refreshListening();
    return this;
  }

  override off<T extends EventEmitter.EventNames<RateLimiterEvents>>(
    event: T,
    listener?: EventEmitter.EventListener<RateLimiterEvents, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    super.off(event, listener, context, once);
    this.#refreshListening();
    return this;
  }

  override removeListener<T extends EventEmitter.EventNames<RateLimiterEvents>>(
    event: T,
    listener?: EventEmitter.EventListener<RateLimiterEvents, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.off(event, listener, context, once);
  }

  override removeAllListeners(event?: EventEmitter.EventNames<RateLimiterEvents>): this {
    super.removeAllListeners(event);
    this.#refreshListening();
    return this;
  }

  limit(key: string, options?: LimitOptions): Promise<RateLimitDecision> {
    let signal: AbortSignal | undefined;
    let outcome: RateLimitDecision | PromiseLike<RateLimitDecision>;
    // limit() never throws: bad input, an aborted signal and a throwing listener all reject.
    try {
      let plan = this.#defaultPlan;
      let cost = 1;
      if (options !== undefined) {
        plan = this.#planOf(options.tier);
        cost = this.#costOf(options);
        signal = options.signal;
      }
      checkKey(key);
      if (signal?.aborted) throw signal.reason;
      outcome = this.#limitThroughExecute(key, plan, cost);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal === undefined || !isPromiseLike(outcome)) return Promise.resolve(outcome);
    return raceAbort(outcome, signal);
  }

  /**
   * One request decision through `execute()`, even on a store with `executeSync`: a wrapper that
   * overrides `execute()` (a spread copy, a spy) must see every request, as reserve() and
   * getQuota() do. A value when the store answered at once, else a promise.
   */
  #limitThroughExecute(
    key: string,
    plan: TierPlan,
    cost: number,
  ): RateLimitDecision | PromiseLike<RateLimitDecision> {
    const blocked = this.#blocked === undefined ? undefined : this.#cachedBlock(key, plan, cost);
    if (blocked !== undefined) return this.#report(key, plan.tier, cost, blocked);
    let reply: StoreReply | PromiseLike<StoreReply>;
    try {
      reply = this.store.execute(key, plan, 0, cost, 0, '');
    } catch (error) {
      return this.#unavailable(key, plan, cost, error);
    }
    if (!isPromiseLike(reply)) return this.#decide(key, plan, cost, reply);
    return reply.then(
      (value) => this.#decide(key, plan, cost, value),
      (error: unknown) => this.#unavailable(key, plan, cost, error),
    );
  }

  limitSync(key: string, options?: LimitSyncOptions): RateLimitDecision {
    if (!this.#sync) throw new StoreNotSynchronousError();
    let plan = this.#defaultPlan;
    let cost = 1;
    if (options !== undefined) {
      plan = this.#planOf(options.tier);
      cost = this.#costOf(options);
    }
    checkKey(key);
    return this.#limitNow(key, plan, cost);
  }

  /** One request decision on a synchronous store: the blocked-key cache, the store, events. */
  #limitNow(key: string, plan: TierPlan, cost: number): RateLimitDecision {
    const blocked = this.#blocked === undefined ? undefined : this.#cachedBlock(key, plan, cost);
    if (blocked !== undefined) return this.#report(key, plan.tier, cost, blocked);
    let reply: StoreReply;
    try {
      // #sync says executeSync exists.
      reply = this.store.executeSync!(key, plan, 0, cost, 0, '');
    } catch (error) {
      return this.#unavailable(key, plan, cost, error);
    }
    return this.#decide(key, plan, cost, reply);
  }

  async reserve(key: string, options: ReserveOptions): Promise<TokenReservation> {
    checkKey(key);
    if (typeof options !== 'object' || options === null)
      throw new TypeError('reserve needs an options object with an estimate');
    const plan = this.#planOf(options.tier);
    checkCount('estimate', options.estimate);
    const requested = Math.ceil(options.estimate);
    const cost = this.#costOf(options);
    options.signal?.throwIfAborted();
    // Capped at the smallest token limit: a large default must not refuse a small tier.
    const tokens = Math.min(requested, plan.maxReservation);
    const holdId = tokens > 0 ? this.#holdPrefix + (++this.#holdSequence).toString(36) : '';
    let decision: RateLimitDecision;
    let heldUntil = 0;
    // cachedBlock never answers cost 0, so a pure hold always reaches the store.
    const blocked = this.#blocked === undefined ? undefined : this.#cachedBlock(key, plan, cost);
    if (blocked !== undefined) decision = blocked;
    else {
      try {
        let reply = this.store.execute(key, plan, 0, cost, tokens, holdId);
        if (isPromiseLike(reply))
          reply = await (options.signal ? raceAbort(reply, options.signal) : reply);
        if (reply[0] === 1 && tokens > 0) heldUntil = (reply[1] as number) + plan.reservationTtlMs;
        decision = this.#build(key, plan, cost, reply);
      } catch (error) {
        if (options.signal?.aborted && error === options.signal.reason) throw error;
        decision = this.#unavailableDecision(key, plan, error);
      }
    }
    if (cost > 0) this.#report(key, plan.tier, cost, decision);
    // A pure hold (cost 0) follows a request already counted: only a refusal is a decision.
    else if ((!decision.allowed || decision.shadow === true) && this.#listening.denied)
      this.emit('denied', { key, tier: plan.tier, cost, decision });
    const reservation = new Reservation(
      this,
      key,
      plan,
      holdId,
      requested,
      heldUntil > 0 ? tokens : 0,
      heldUntil,
      decision,
    );
    if (this.listenerCount('reservation-decided') > 0)
      this.emit('reservation-decided', {
        key,
        tier: plan.tier,
        cost,
        requestedTokens: requested,
        reservedTokens: reservation.tokens,
        decision,
      });
    return reservation;
  }

  commit(
    reservation: TokenReservation,
    actualTokens: number,
    options?: SettleOptions,
  ): Promise<ReservationSettlement> {
    return reservation.commit(actualTokens, options);
  }

  release(reservation: TokenReservation, options?: SettleOptions): Promise<ReservationSettlement> {
    return reservation.release(options);
  }

  /** Drops a hold and charges `actualTokens`; used by {@link Reservation}. */
  async settle(
    reservation: Reservation,
    actualTokens: number,
    signal: AbortSignal | undefined,
  ): Promise<ReservationSettlement> {
    const plan = reservation.plan;
    let policies = EMPTY_POLICIES;
    let holdExpired = false;
    if (plan.hasTokens && (reservation.tokens > 0 || actualTokens > 0)) {
      let reply: StoreReply | PromiseLike<StoreReply>;
      try {
        reply = this.store.execute(
          reservation.key,
          plan,
          1,
          reservation.tokens,
          actualTokens,
          reservation.tokens > 0 ? reservation.id : '',
        );
        if (isPromiseLike(reply)) reply = await (signal ? raceAbort(reply, signal) : reply);
      } catch (error) {
        if (!(signal?.aborted && error === signal.reason))
          this.emit('store-error', { key: reservation.key, tier: plan.tier, error });
        throw error;
      }
      policies = this.#policies(plan, reply);
      holdExpired = reservation.tokens > 0 && reply[3] !== 1;
    }
    if (this.listenerCount('reservation-settled') > 0)
      this.emit('reservation-settled', {
        key: reservation.key,
        tier: plan.tier,
        reservedTokens: reservation.tokens,
        actualTokens,
        holdExpired,
      });
    return { reservedTokens: reservation.tokens, actualTokens, holdExpired, policies };
  }

  async getQuota(key: string, tier?: string, options?: QuotaOptions): Promise<RateLimitQuota> {
    checkKey(key);
    const plan = this.#planOf(tier);
    options?.signal?.throwIfAborted();
    let reply = this.store.execute(key, plan, 2, 1, 0, '');
    if (isPromiseLike(reply))
      reply = await (options?.signal ? raceAbort(reply, options.signal) : reply);
    const policies = this.#policies(plan, reply);
    const held = reply[2] as number;
    const find = (unit: 'requests' | 'tokens', windowMs: number) =>
      policies.find((policy) => policy.unit === unit && policy.windowMs === windowMs);
    const minute = find('requests', MINUTE_MS);
    const hour = find('requests', HOUR_MS);
    const day = find('requests', DAY_MS);
    const tokens = find('tokens', DAY_MS);
    const usedOf = (policy: PolicyDecision | undefined) =>
      policy === undefined ? null : policy.limit - policy.remaining;
    return {
      user_id: key,
      tier: plan.tier,
      limits: {
        requests_per_minute: minute?.limit ?? null,
        requests_per_hour: hour?.limit ?? null,
        requests_per_day: day?.limit ?? null,
        ai_tokens_per_day: tokens?.limit ?? null,
      },
      current_usage: {
        requests_this_minute: usedOf(minute),
        requests_this_hour: usedOf(hour),
        requests_today: usedOf(day),
        tokens_today:
          tokens === undefined ? null : Math.max(0, tokens.limit - tokens.remaining - held),
        tokens_remaining: tokens?.remaining ?? null,
        tokens_reserved: held,
      },
      policies,
    };
  }

  async reset(key: string, options?: QuotaOptions): Promise<void> {
    checkKey(key);
    options?.signal?.throwIfAborted();
    if (this.#blocked) for (const cache of this.#blocked.values()) cache.delete(key);
    const done = this.store.reset(key);
    if (done !== undefined && isPromiseLike(done))
      await (options?.signal ? raceAbort(done, options.signal) : done);
  }

  close(): void {
    this.#unsubscribe?.();
    this.removeAllListeners();
  }

  /** The plan of a tier name (the default tier for none); throws {@link UnknownTierError}. */
  #planOf(tier: string | undefined): TierPlan {
    if (tier === undefined) return this.#defaultPlan;
    if (tier === this.#lastTier) return this.#lastPlan;
    const plan = this.#plans.get(tier);
    if (plan === undefined) throw new UnknownTierError(tier, this.tiers);
    this.#lastTier = tier;
    this.#lastPlan = plan;
    return plan;
  }

  /** A call's request cost: `cost` (default 1) times its endpoint's multiplier; checked. */
  #costOf(options: LimitSyncOptions): number {
    let cost = options.cost ?? 1;
    if (options.endpoint !== undefined) cost *= this.#endpointCosts.get(options.endpoint) ?? 1;
    if (cost !== 1) checkCount('cost', cost);
    return cost;
  }

  #cachedBlock(key: string, plan: TierPlan, cost: number): RateLimitDecision | undefined {
    const entry = this.#blocked?.get(plan)?.get(key);
    if (entry === undefined || cost < entry.cost || cost === 0) return undefined;
    const now = this.#clock();
    if (now >= entry.until) return undefined;
    const decision = entry.decision;
    const retryAfterMs = entry.until - now;
    return this.#shadow
      ? { ...decision, reason: 'cached-block', retryAfterMs: 0 }
      : { ...decision, reason: 'cached-block', retryAfterMs };
  }

  #policies(plan: TierPlan, reply: StoreReply): PolicyDecision[] {
    const count = plan.count;
    // A fallback store decided on divided limits: report those.
    const windows = reply[4] === 1 ? plan.windows : plan.scaled(reply[4] as number).windows;
    const policies = new Array<PolicyDecision>(count);
    for (let window = 0; window < count; window++) {
      const definition = windows[window]!;
      const slot = REPLY_HEADER + window * 3;
      policies[window] = {
        name: definition.name,
        unit: definition.unit,
        limit: definition.limit,
        remaining: reply[slot] as number,
        windowMs: definition.windowMs,
        resetAt: reply[slot + 1] as number,
        allowed: reply[slot + 2] === 0,
      };
    }
    return policies;
  }

  /** Turns a store reply into a decision, caches blocks and emits events. */
  #decide(key: string, plan: TierPlan, cost: number, reply: StoreReply): RateLimitDecision {
    return this.#report(key, plan.tier, cost, this.#build(key, plan, cost, reply));
  }

  /** Turns a store reply into a decision and caches blocks, without emitting decision events. */
  #build(key: string, plan: TierPlan, cost: number, reply: StoreReply): RateLimitDecision {
    // A fallback store decided on divided limits: report those.
    const decided = reply[4] === 1 ? plan : plan.scaled(reply[4] as number);
    const decision = decided.buildDecision(reply, this.#shadow);
    if (reply[0] !== 1 && this.#blocked !== undefined && cost > 0)
      this.#cacheBlock(key, plan, cost, reply, decision);
    return decision;
  }

  /** Remembers a key over a request limit until that limit lets it pass again. */
  #cacheBlock(
    key: string,
    plan: TierPlan,
    cost: number,
    reply: StoreReply,
    decision: RateLimitDecision,
  ): void {
    if (decision.reason !== 'limit-exceeded' || this.#blocked === undefined) return;
    let cache = this.#blocked.get(plan);
    if (cache === undefined) {
      cache = new LRUCache({ max: this.#blockedMax });
      this.#blocked.set(plan, cache);
    }
    const previous = cache.get(key);
    const now = this.#clock();
    const until = now + this.#requestRetry(plan, reply);
    if (previous === undefined || previous.until <= now || cost < previous.cost)
      cache.set(key, { until, cost, decision });
  }

  /** Longest wait among denying request windows: token holds may be freed early, so not those. */
  #requestRetry(plan: TierPlan, reply: StoreReply): number {
    let wait = 0;
    for (let window = 0; window < plan.count; window++) {
      if (plan.tokenUnits[window] === 1) continue;
      const retry = reply[REPLY_HEADER + window * 3 + 2] as number;
      if (retry > wait) wait = retry;
    }
    return wait;
  }

  #report(key: string, tier: string, cost: number, decision: RateLimitDecision): RateLimitDecision {
    const listening = this.#listening;
    if (!decision.allowed || decision.shadow === true) {
      if (listening.denied) this.emit('denied', { key, tier, cost, decision });
      return decision;
    }
    if (listening.allowed) this.emit('allowed', { key, tier, cost, decision });
    if (listening.nearLimit) {
      let ratio = 0;
      for (const policy of decision.policies) {
        const used = 1 - policy.remaining / policy.limit;
        if (used > ratio) ratio = used;
      }
      if (ratio >= this.#nearLimitRatio) this.emit('near-limit', { key, tier, decision, ratio });
    }
    return decision;
  }

  #unavailable(key: string, plan: TierPlan, cost: number, error: unknown): RateLimitDecision {
    return this.#report(key, plan.tier, cost, this.#unavailableDecision(key, plan, error));
  }

  /** The `failMode` decision for a failed store call; emits `store-error` only. */
  #unavailableDecision(key: string, plan: TierPlan, error: unknown): RateLimitDecision {
    this.emit('store-error', { key, tier: plan.tier, error });
    const open = this.#failOpen || this.#shadow;
    return {
      allowed: open,
      tier: plan.tier,
      limit: plan.windows[0]!.limit,
      remaining: 0,
      resetAt: this.#clock() + (open ? 0 : STORE_UNAVAILABLE_RETRY_MS),
      retryAfterMs: open ? 0 : STORE_UNAVAILABLE_RETRY_MS,
      policies: EMPTY_POLICIES,
      reason: 'store-unavailable',
      shadow: !this.#failOpen && this.#shadow,
    };
  }
}

class Reservation implements TokenReservation {
  readonly id: string;
  readonly key: string;
  readonly tier: string;
  readonly requestedTokens: number;
  readonly tokens: number;
  readonly expiresAt: number;
  readonly decision: RateLimitDecision;
  readonly plan: TierPlan;
  readonly #limiter: RateLimiterImpl;
  #settled = false;

  constructor(
    limiter: RateLimiterImpl,
    key: string,
    plan: TierPlan,
    id: string,
    requestedTokens: number,
    tokens: number,
    expiresAt: number,
    decision: RateLimitDecision,
  ) {
    this.#limiter = limiter;
    this.key = key;
    this.plan = plan;
    this.tier = plan.tier;
    this.id = id;
    this.requestedTokens = requestedTokens;
    this.tokens = tokens;
    this.expiresAt = expiresAt;
    this.decision = decision;
  }

  get allowed(): boolean {
    return this.decision.allowed;
  }

  get settled(): boolean {
    return this.#settled;
  }

  async commit(actualTokens: number, options?: SettleOptions): Promise<ReservationSettlement> {
    checkTokens('actualTokens', actualTokens);
    options?.signal?.throwIfAborted();
    if (this.#settled) throw new ReservationSettledError(this.id);
    this.#settled = true;
    try {
      return await this.#limiter.settle(this, actualTokens, options?.signal);
    } catch (error) {
      // Nothing was settled: the caller may try again.
      this.#settled = false;
      throw error;
    }
  }

  async release(options?: SettleOptions): Promise<ReservationSettlement> {
    options?.signal?.throwIfAborted();
    if (this.#settled)
      return {
        reservedTokens: this.tokens,
        actualTokens: 0,
        holdExpired: false,
        policies: EMPTY_POLICIES,
      };
    this.#settled = true;
    try {
      return await this.#limiter.settle(this, 0, options?.signal);
    } catch (error) {
      this.#settled = false;
      throw error;
    }
  }
}

/**
 * Creates a tiered rate limiter: every window of a tier (requests per minute, hour, day and AI
 * tokens per day for the presets) is checked in one atomic step, all-or-nothing, in memory or
 * in one Redis round trip.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return new RateLimiterImpl(options);
}
