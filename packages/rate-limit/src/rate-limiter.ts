import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { BlockedKeys } from './blocked-keys.js';
import { decisionFromReply } from './decision-from-reply.js';
import { createMemoryStore } from './memory-store.js';
import { raceAbort } from './race-abort.js';
import type { RateLimitDecision } from './rate-limit-decision.js';
import { quotaFromReply, type RateLimitQuota } from './rate-limit-quota.js';
import type { RateLimitStore, StoreReply, StoreRequest } from './rate-limit-store.js';
import type { RateLimiterEvents } from './rate-limiter-events.js';
import type {
  LimitOptions,
  QuotaOptions,
  RateLimiterOptions,
  ReserveOptions,
} from './rate-limiter-options.js';
import { Reservation } from './reservation.js';
import { TierPlan, validateTier } from './tier-plan.js';
import { TIER_PRESETS } from './tier-presets.js';
import type {
  ReservationSettlement,
  SettleOptions,
  TokenReservation,
} from './token-reservation.js';
import { UnknownTierError } from './unknown-tier-error.js';
import { WINDOW_ALGORITHMS } from './window-algorithm.js';

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
   * Denials resolve (`allowed: false`), and so does a failed store (per `failMode`); only
   * broken contracts (an unknown tier, a bad cost or key) and an aborted signal reject.
   */
  limit(key: string, options?: LimitOptions): Promise<RateLimitDecision>;
  /**
   * Like {@link RateLimiter.limit} (cost defaults to 1; pass `cost: 0` when the request was
   * already counted) and, in the same atomic step, holds `estimate` tokens in every token window.
   * With a cost above 0 it emits `allowed`/`denied`/`near-limit` like `limit()`; a pure hold
   * (cost 0) emits only `denied`, when refused. Every call emits `reservation-decided`. When the
   * signal aborts after the store made the hold, the hold is released.
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
  /**
   * Reads a subject's quota without consuming anything. Rejects with the store's typed error
   * (`StoreTimeoutError`, `StoreUnavailableError`…) when the store fails.
   */
  getQuota(key: string, tier?: string, options?: QuotaOptions): Promise<RateLimitQuota>;
  /**
   * Forgets every window and reservation of `key`, in every tier. Bounded by the store's
   * timeout; rejects with the store's typed error when it fails.
   */
  reset(key: string, options?: QuotaOptions): Promise<void>;
  /** Unsubscribes from the store and removes every listener. */
  close(): void;
}

/** Retry-After given by a fail-closed decision when the store is down. */
const STORE_UNAVAILABLE_RETRY_MS = 1_000;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>).then === 'function';
}

function checkKey(key: string): void {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
}

function checkCount(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY)
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
}

class RateLimiterImpl extends EventEmitter<RateLimiterEvents> implements RateLimiter {
  readonly tiers: readonly string[];
  readonly defaultTier: string;
  readonly store: RateLimitStore;
  readonly #plans = new Map<string, TierPlan>();
  readonly #defaultPlan: TierPlan;
  readonly #endpointCosts = new Map<string, number>();
  readonly #shadow: boolean;
  readonly #failOpen: boolean;
  readonly #nearLimitRatio: number;
  readonly #clock: () => number;
  /** Undefined when the store is local (nothing to save) or the cache is off. */
  readonly #blocked: BlockedKeys | undefined;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #holdPrefix = randomBytes(6).toString('base64url');
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
    this.#clock = options.clock ?? Date.now;
    if (typeof this.#clock !== 'function') throw new TypeError('clock must be a function');
    this.store = options.store ?? createMemoryStore();
    if (typeof this.store !== 'object' || this.store === null || !this.store.execute)
      throw new TypeError(
        'store must be a rate-limit store (createMemoryStore, createRedisStore…)',
      );
    const blockedCache = options.blockedCache ?? {};
    if (blockedCache !== false && (typeof blockedCache !== 'object' || blockedCache === null))
      throw new TypeError('blockedCache must be false or { max }');
    const blockedMax = blockedCache === false ? 0 : (blockedCache.max ?? 10_000);
    if (!Number.isSafeInteger(blockedMax) || blockedMax < 0)
      throw new RangeError(`blockedCache.max must be an integer ≥ 1, got ${blockedMax}`);
    this.#blocked =
      this.store.local === true || blockedMax === 0
        ? undefined
        : new BlockedKeys(blockedMax, this.#clock);
    this.#unsubscribe = this.store.onStatusChange?.((event) => {
      if (!this.#observed(event.type)) return;
      if (event.type === 'fallback-engaged') this.emit('fallback-engaged', { error: event.error });
      else this.emit('fallback-recovered', {});
    });
  }

  limit(key: string, options?: LimitOptions): Promise<RateLimitDecision> {
    // limit() never throws: bad input, an aborted signal and a throwing listener all reject.
    try {
      const plan = this.#planOf(options?.tier);
      const cost = this.#costOf(options);
      const signal = options?.signal;
      checkKey(key);
      signal?.throwIfAborted();
      const blocked = this.#blocked?.find(key, plan, cost, this.#shadow);
      if (blocked !== undefined) return Promise.resolve(this.#report(key, plan, cost, blocked));
      const request: StoreRequest = {
        subject: key,
        plan,
        operation: 'consume',
        cost,
        tokens: 0,
        holdId: '',
      };
      let reply: StoreReply | Promise<StoreReply>;
      try {
        reply = this.store.execute(request);
      } catch (error) {
        return Promise.resolve(this.#report(key, plan, cost, this.#unavailable(key, plan, error)));
      }
      if (!isPromiseLike(reply))
        return Promise.resolve(this.#report(key, plan, cost, this.#decide(key, plan, cost, reply)));
      const decided = reply.then(
        (value) => this.#report(key, plan, cost, this.#decide(key, plan, cost, value)),
        (error: unknown) => this.#report(key, plan, cost, this.#unavailable(key, plan, error)),
      );
      return signal === undefined ? decided : raceAbort(decided, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async reserve(key: string, options: ReserveOptions): Promise<TokenReservation> {
    checkKey(key);
    if (typeof options !== 'object' || options === null)
      throw new TypeError('reserve needs an options object with an estimate');
    const plan = this.#planOf(options.tier);
    checkCount('estimate', options.estimate);
    const required = options.requiredTokens ?? 0;
    checkCount('requiredTokens', required);
    const requested = Math.ceil(options.estimate);
    const cost = this.#costOf(options);
    const signal = options.signal;
    signal?.throwIfAborted();
    // Capped at the smallest token limit (unless the tier denies oversized estimates), but
    // never below what the call spends whatever happens.
    const tokens = Math.max(Math.min(requested, plan.maxReservation), Math.ceil(required));
    const id = this.#holdPrefix + (++this.#holdSequence).toString(36);
    let decision = this.#blocked?.find(key, plan, cost, this.#shadow);
    let heldUntil = 0;
    if (decision === undefined) {
      const request: StoreRequest = {
        subject: key,
        plan,
        operation: 'consume',
        cost,
        tokens,
        holdId: tokens > 0 ? id : '',
      };
      try {
        const sent = this.store.execute(request);
        let reply: StoreReply;
        if (!isPromiseLike(sent)) reply = sent;
        else if (signal === undefined) reply = await sent;
        else {
          try {
            reply = await raceAbort(sent, signal);
          } catch (error) {
            if (signal.aborted && error === signal.reason) this.#releaseWhenHeld(sent, request);
            throw error;
          }
        }
        if (reply.allowed && tokens > 0) heldUntil = reply.now + plan.reservationTtlMs;
        decision = this.#decide(key, plan, cost, reply);
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        decision = this.#unavailable(key, plan, error);
      }
    }
    if (cost > 0) this.#report(key, plan, cost, decision);
    // A pure hold (cost 0) follows a request already counted: only a refusal is a decision.
    else if ((!decision.allowed || decision.shadow === true) && this.#observed('denied'))
      this.emit('denied', { key, tier: plan.tier, cost, decision });
    const reservation = new Reservation(
      {
        id,
        key,
        plan,
        requestedTokens: requested,
        tokens: heldUntil > 0 ? tokens : 0,
        expiresAt: heldUntil,
        decision,
      },
      (held, actualTokens, settleSignal) => this.#settle(held, actualTokens, settleSignal),
    );
    if (this.#observed('reservation-decided'))
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

  async getQuota(key: string, tier?: string, options?: QuotaOptions): Promise<RateLimitQuota> {
    checkKey(key);
    const plan = this.#planOf(tier);
    options?.signal?.throwIfAborted();
    let reply = this.store.execute({
      subject: key,
      plan,
      operation: 'peek',
      cost: 1,
      tokens: 0,
      holdId: '',
    });
    if (isPromiseLike(reply))
      reply = await (options?.signal ? raceAbort(reply, options.signal) : reply);
    return quotaFromReply(key, plan.tier, reply);
  }

  async reset(key: string, options?: QuotaOptions): Promise<void> {
    checkKey(key);
    options?.signal?.throwIfAborted();
    this.#blocked?.forget(key);
    const done = this.store.reset(key, options);
    if (done !== undefined && isPromiseLike(done))
      await (options?.signal ? raceAbort(done, options.signal) : done);
  }

  close(): void {
    this.#unsubscribe?.();
    this.removeAllListeners();
  }

  /** Whether anyone listens to `event`: the one check before building an event's payload. */
  #observed(event: keyof RateLimiterEvents): boolean {
    return this.listenerCount(event) > 0;
  }

  /** Drops a hold and charges `actualTokens`; each {@link Reservation} settles through it. */
  async #settle(
    reservation: Reservation,
    actualTokens: number,
    signal: AbortSignal | undefined,
  ): Promise<ReservationSettlement> {
    const plan = reservation.plan;
    let settlement: ReservationSettlement = {
      reservedTokens: reservation.tokens,
      actualTokens,
      hold: 'settled',
      policies: [],
    };
    if (plan.hasTokens && (reservation.tokens > 0 || actualTokens > 0)) {
      let reply: StoreReply;
      try {
        const sent = this.store.execute({
          subject: reservation.key,
          plan,
          operation: 'settle',
          cost: reservation.tokens,
          tokens: actualTokens,
          holdId: reservation.id,
        });
        reply = !isPromiseLike(sent) ? sent : await (signal ? raceAbort(sent, signal) : sent);
      } catch (error) {
        if (!(signal?.aborted && error === signal.reason) && this.#observed('store-error'))
          this.emit('store-error', { key: reservation.key, tier: plan.tier, error });
        throw error;
      }
      // A reservation that held nothing has no hold to find: that is not an expiry.
      const hold = reply.hold === 'expired' && reservation.tokens === 0 ? 'settled' : reply.hold;
      settlement = { ...settlement, hold, policies: reply.policies };
    }
    if (this.#observed('reservation-settled'))
      this.emit('reservation-settled', {
        key: reservation.key,
        tier: plan.tier,
        reservedTokens: reservation.tokens,
        actualTokens,
        hold: settlement.hold,
      });
    return settlement;
  }

  /** After an abort: once the store answers, releases the hold it made for nobody. */
  #releaseWhenHeld(sent: PromiseLike<StoreReply>, request: StoreRequest): void {
    const release = (reply: StoreReply) => {
      if (!reply.allowed || request.tokens === 0) return;
      return this.store.execute({
        ...request,
        operation: 'settle',
        cost: request.tokens,
        tokens: 0,
      });
    };
    Promise.resolve(sent)
      .then(release)
      .catch((error: unknown) => {
        if (this.#observed('store-error'))
          this.emit('store-error', { key: request.subject, tier: request.plan.tier, error });
      });
  }

  /** The plan of a tier name (the default tier for none); throws {@link UnknownTierError}. */
  #planOf(tier: string | undefined): TierPlan {
    if (tier === undefined) return this.#defaultPlan;
    const plan = this.#plans.get(tier);
    if (plan === undefined) throw new UnknownTierError(tier, this.tiers);
    return plan;
  }

  /** A call's request cost: `cost` (default 1) times its endpoint's multiplier; checked. */
  #costOf(options: LimitOptions | undefined): number {
    if (options === undefined) return 1;
    let cost = options.cost ?? 1;
    if (options.endpoint !== undefined) cost *= this.#endpointCosts.get(options.endpoint) ?? 1;
    if (cost !== 1) checkCount('cost', cost);
    return cost;
  }

  /** Turns a store reply into a decision and remembers a blocked key. */
  #decide(key: string, plan: TierPlan, cost: number, reply: StoreReply): RateLimitDecision {
    const decision = decisionFromReply(plan.tier, reply, this.#shadow, plan.concurrency);
    if (!reply.allowed) this.#blocked?.remember(key, plan, cost, decision);
    return decision;
  }

  /** Emits the decision events of one request decision and returns it. */
  #report(key: string, plan: TierPlan, cost: number, decision: RateLimitDecision) {
    const tier = plan.tier;
    if (!decision.allowed || decision.shadow === true) {
      if (this.#observed('denied')) this.emit('denied', { key, tier, cost, decision });
      return decision;
    }
    if (this.#observed('allowed')) this.emit('allowed', { key, tier, cost, decision });
    if (this.#observed('near-limit')) {
      let ratio = 0;
      for (const policy of decision.policies) {
        const used = 1 - policy.remaining / policy.limit;
        if (used > ratio) ratio = used;
      }
      if (ratio >= this.#nearLimitRatio) this.emit('near-limit', { key, tier, decision, ratio });
    }
    return decision;
  }

  /** The `failMode` decision for a failed store call; emits `store-error`. */
  #unavailable(key: string, plan: TierPlan, error: unknown): RateLimitDecision {
    if (this.#observed('store-error')) this.emit('store-error', { key, tier: plan.tier, error });
    const open = this.#failOpen || this.#shadow;
    return {
      allowed: open,
      tier: plan.tier,
      limit: plan.windows[0]!.limit,
      remaining: 0,
      resetAt: this.#clock() + (open ? 0 : STORE_UNAVAILABLE_RETRY_MS),
      retryAfterMs: open ? 0 : STORE_UNAVAILABLE_RETRY_MS,
      policies: [],
      reason: 'store-unavailable',
      shadow: !this.#failOpen && this.#shadow,
      ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
    };
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
