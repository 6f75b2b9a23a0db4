import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAsyncStore } from './__fixtures__/async-store.js';
import { createMemoryStore } from './memory-store.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { RateLimitTier } from './rate-limit-tier.js';
import { createRateLimiter } from './rate-limiter.js';
import type {
  NearLimitEvent,
  RateLimitDecisionEvent,
  ReservationDecidedEvent,
} from './rate-limiter-events.js';
import { TIER_PRESETS } from './tier-presets.js';
import { isUnknownTierError } from './unknown-tier-error.js';

const T0 = 1_800_000_000_000; // a multiple of one minute

function clocked(tiers: Record<string, RateLimitTier>, defaultTier?: string) {
  const time = { now: T0 };
  const clock = () => time.now;
  const limiter = createRateLimiter({
    store: createMemoryStore({ clock }),
    tiers,
    ...(defaultTier ? { defaultTier } : {}),
    clock,
  });
  return { limiter, time };
}

async function admitted(count: number, call: () => Promise<{ allowed: boolean }>) {
  let allowed = 0;
  for (let index = 0; index < count; index++) if ((await call()).allowed) allowed++;
  return allowed;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createRateLimiter: options', () => {
  it('validates tiers and options with precise messages', () => {
    expect(() => createRateLimiter({ tiers: {} })).toThrow(
      'tiers must define at least 1 tier, got 0',
    );
    expect(() => createRateLimiter({ tiers: { X: { windows: [] } } })).toThrow(
      'tier "X" must have between 1 and 16 windows, got 0',
    );
    expect(() =>
      createRateLimiter({ tiers: { X: { windows: [{ name: 'm', limit: 0, windowMs: 1 }] } } }),
    ).toThrow('tier "X" window "m": limit must be an integer ≥ 1, got 0');
    expect(() =>
      createRateLimiter({ tiers: { X: { windows: [{ name: 'm', limit: 1, windowMs: 1.5 }] } } }),
    ).toThrow('tier "X" window "m": windowMs must be an integer ≥ 1, got 1.5');
    expect(() =>
      createRateLimiter({
        tiers: {
          X: {
            windows: [
              { name: 'm', limit: 1, windowMs: 1 },
              { name: 'm', limit: 2, windowMs: 2 },
            ],
          },
        },
      }),
    ).toThrow('tier "X" has two windows named "m"');
    expect(() =>
      createRateLimiter({
        tiers: {
          X: { windows: [{ name: 'm', limit: 1, windowMs: 1, algorithm: 'leaky' as never }] },
        },
      }),
    ).toThrow(/algorithm must be one of sliding-window, fixed-window, token-bucket, got leaky/);
    expect(() => createRateLimiter({ defaultTier: 'GOLD' })).toThrow(
      'defaultTier "GOLD" is not one of the tiers: FREE, BASIC, PRO, ENTERPRISE',
    );
    expect(() => createRateLimiter({ nearLimitRatio: 0 })).toThrow(
      'nearLimitRatio must be > 0 and ≤ 1, got 0',
    );
    expect(() => createRateLimiter({ failMode: 'maybe' as never })).toThrow(
      "failMode must be 'open' or 'closed', got maybe",
    );
    expect(() => createRateLimiter({ endpointCosts: { '/x': -1 } })).toThrow(
      'endpointCosts["/x"] must be a finite number ≥ 0, got -1',
    );
    expect(() => createRateLimiter({ reservationTtlMs: 0 })).toThrow(
      'reservationTtlMs must be an integer ≥ 1, got 0',
    );
  });

  it('ships the four preset tiers of the issue', async () => {
    const limiter = createRateLimiter();
    expect(limiter.tiers).toEqual(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']);
    expect(limiter.defaultTier).toBe('FREE');
    const expected = {
      FREE: [10, 100, 500, 50_000],
      BASIC: [30, 500, 5_000, 500_000],
      PRO: [100, 2_000, 20_000, 2_000_000],
      ENTERPRISE: [1_000, 10_000, 100_000, 10_000_000],
    };
    for (const [tier, limits] of Object.entries(expected)) {
      const quota = await limiter.getQuota('nobody', tier);
      expect(Object.values(quota.limits)).toEqual(limits);
    }
    expect(TIER_PRESETS.FREE.windows.map((window) => window.windowMs)).toEqual([
      60_000, 3_600_000, 86_400_000, 86_400_000,
    ]);
  });

  it('rejects broken calls: unknown tier, bad cost, aborted signal', async () => {
    const limiter = createRateLimiter();
    const unknown = await limiter.limit('k', { tier: 'GOLD' }).catch((error: unknown) => error);
    expect(isUnknownTierError(unknown)).toBe(true);
    expect((unknown as Error).message).toBe(
      'unknown tier "GOLD"; configured tiers: FREE, BASIC, PRO, ENTERPRISE',
    );
    await expect(limiter.limit('k', { cost: -1 })).rejects.toThrow(
      'cost must be a finite number ≥ 0, got -1',
    );
    await expect(limiter.reserve('k', { estimate: Number.NaN })).rejects.toThrow(
      'estimate must be a finite number ≥ 0, got NaN',
    );
    const reason = new Error('client went away');
    await expect(limiter.limit('k', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('createRateLimiter: algorithms on a controlled clock', () => {
  it('sliding window weights the previous window by the time left in it', async () => {
    const { limiter, time } = clocked({
      T: { windows: [{ name: 'minute', limit: 10, windowMs: 60_000 }] },
    });
    expect(await admitted(12, () => limiter.limit('k'))).toBe(10);
    // Half-way through the next window, the previous 10 still weigh 5.
    time.now = T0 + 90_000;
    expect(await admitted(10, () => limiter.limit('k'))).toBe(5);
    const denied = await limiter.limit('k');
    // 10 × (1 − elapsed) + 5 ≤ 9 once elapsed ≥ 0.6 of the window: 6 s from now.
    expect(denied.retryAfterMs).toBe(6_000);
    time.now += 6_000;
    expect((await limiter.limit('k')).allowed).toBe(true);
    // Two windows later nothing weighs any more.
    time.now = T0 + 180_000;
    expect(await admitted(12, () => limiter.limit('k'))).toBe(10);
  });

  it('fixed window resets at the epoch-aligned boundary', async () => {
    const { limiter, time } = clocked({
      T: { windows: [{ name: 'minute', limit: 3, windowMs: 60_000, algorithm: 'fixed-window' }] },
    });
    time.now = T0 + 59_000;
    expect(await admitted(4, () => limiter.limit('k'))).toBe(3);
    const denied = await limiter.limit('k');
    expect(denied).toMatchObject({ retryAfterMs: 1_000, resetAt: T0 + 60_000 });
    time.now = T0 + 60_000;
    expect(await admitted(4, () => limiter.limit('k'))).toBe(3);
  });

  it('token bucket (GCRA) allows a burst of limit, then one per limit-th of the window', async () => {
    const { limiter, time } = clocked({
      T: { windows: [{ name: 'bucket', limit: 4, windowMs: 60_000, algorithm: 'token-bucket' }] },
    });
    expect(await admitted(6, () => limiter.limit('k'))).toBe(4);
    const denied = await limiter.limit('k');
    expect(denied.retryAfterMs).toBe(15_000);
    time.now += 14_999;
    expect((await limiter.limit('k')).allowed).toBe(false);
    time.now += 1;
    const next = await limiter.limit('k');
    expect(next).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 75_000 });
  });

  it('reports the most restrictive window', async () => {
    const { limiter } = clocked({
      T: {
        windows: [
          { name: 'minute', limit: 10, windowMs: 60_000 },
          { name: 'hour', limit: 3, windowMs: 3_600_000 },
          { name: 'tokens', limit: 1, windowMs: 86_400_000, unit: 'tokens' },
        ],
      },
    });
    const first = await limiter.limit('k');
    expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
    await limiter.limit('k');
    await limiter.limit('k');
    const denied = await limiter.limit('k');
    expect(denied).toMatchObject({ allowed: false, limit: 3, reason: 'limit-exceeded' });
    expect(denied.policies.map((policy) => policy.allowed)).toEqual([true, false, true]);
  });
});

describe('createRateLimiter: events, shadow mode and caches', () => {
  it('emits allowed, denied and near-limit with their payloads', async () => {
    const { limiter } = clocked({
      T: { windows: [{ name: 'minute', limit: 5, windowMs: 60_000 }] },
    });
    const allowed: RateLimitDecisionEvent[] = [];
    const denied: RateLimitDecisionEvent[] = [];
    const near: NearLimitEvent[] = [];
    limiter.on('allowed', (event) => allowed.push(event));
    limiter.on('denied', (event) => denied.push(event));
    limiter.on('near-limit', (event) => near.push(event));
    for (let call = 0; call < 6; call++) await limiter.limit('k', { cost: 1 });
    expect(allowed).toHaveLength(5);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ key: 'k', tier: 'T', cost: 1 });
    expect(denied[0]?.decision.allowed).toBe(false);
    // 4 of 5 used is 0.8: the default ratio.
    expect(near.map((event) => event.ratio)).toEqual([0.8, 1]);
    expect(near[0]).toMatchObject({ key: 'k', tier: 'T' });
  });

  it('counts one decision per request: a pure token hold (cost 0) emits denied only when refused', async () => {
    const { limiter } = clocked({
      T: {
        windows: [
          { name: 'minute', limit: 5, windowMs: 60_000 },
          { name: 'tokens', limit: 100, windowMs: 86_400_000, unit: 'tokens' },
        ],
      },
    });
    const allowed: RateLimitDecisionEvent[] = [];
    const denied: RateLimitDecisionEvent[] = [];
    const near: NearLimitEvent[] = [];
    const reservations: ReservationDecidedEvent[] = [];
    limiter.on('allowed', (event) => allowed.push(event));
    limiter.on('denied', (event) => denied.push(event));
    limiter.on('near-limit', (event) => near.push(event));
    limiter.on('reservation-decided', (event) => reservations.push(event));

    // Request 1: the middleware counts it, the route holds 90 tokens.
    expect((await limiter.limit('k')).allowed).toBe(true);
    const held = await limiter.reserve('k', { estimate: 90, cost: 0 });
    expect(held.tokens).toBe(90);
    // Request 2: counted, then its hold is refused by the token budget.
    expect((await limiter.limit('k')).allowed).toBe(true);
    const refused = await limiter.reserve('k', { estimate: 20, cost: 0 });
    expect(refused.decision.reason).toBe('token-budget-exceeded');
    // Request 3: reserve() with a cost counts the request itself, as limit() does.
    const counted = await limiter.reserve('k', { estimate: 5 });
    expect(counted.allowed).toBe(true);

    expect(allowed.map((event) => event.cost)).toEqual([1, 1, 1]);
    expect(allowed[2]?.decision).toBe(counted.decision);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ key: 'k', tier: 'T', cost: 0 });
    expect(denied[0]?.decision).toBe(refused.decision);
    // The hold itself is no decision: near-limit comes from the next counted request.
    expect(near.map((event) => event.ratio)).toEqual([0.9, 0.95]);
    expect(reservations).toEqual([
      {
        key: 'k',
        tier: 'T',
        cost: 0,
        requestedTokens: 90,
        reservedTokens: 90,
        decision: held.decision,
      },
      {
        key: 'k',
        tier: 'T',
        cost: 0,
        requestedTokens: 20,
        reservedTokens: 0,
        decision: refused.decision,
      },
      {
        key: 'k',
        tier: 'T',
        cost: 1,
        requestedTokens: 5,
        reservedTokens: 5,
        decision: counted.decision,
      },
    ]);
  });

  it('reports a refused pure hold in shadow mode as a shadow denial', async () => {
    const limiter = createRateLimiter({
      shadow: true,
      tiers: {
        T: { windows: [{ name: 'tokens', limit: 10, windowMs: 60_000, unit: 'tokens' }] },
      },
    });
    const events: string[] = [];
    limiter.on('allowed', () => events.push('allowed'));
    limiter.on('denied', (event) => events.push(`denied shadow=${event.decision.shadow}`));
    await limiter.reserve('k', { estimate: 10, cost: 0 });
    const over = await limiter.reserve('k', { estimate: 1, cost: 0 });
    expect(over).toMatchObject({ allowed: true, tokens: 0 });
    expect(events).toEqual(['denied shadow=true']);
  });

  it('shadow mode decides and reports but never blocks, and consumes nothing on a denial', async () => {
    const limiter = createRateLimiter({
      shadow: true,
      tiers: { T: { windows: [{ name: 'minute', limit: 2, windowMs: 60_000 }] } },
    });
    const denied: RateLimitDecisionEvent[] = [];
    limiter.on('denied', (event) => denied.push(event));
    const decisions = [];
    for (let call = 0; call < 4; call++) decisions.push(await limiter.limit('k'));
    expect(decisions.every((decision) => decision.allowed)).toBe(true);
    expect(decisions.map((decision) => decision.shadow)).toEqual([false, false, true, true]);
    expect(decisions[3]).toMatchObject({ reason: 'limit-exceeded', retryAfterMs: 0, remaining: 0 });
    expect(denied).toHaveLength(2);
    expect((await limiter.getQuota('k')).policies[0]?.remaining).toBe(0);
  });

  it('answers blocked keys from the local cache until they may pass again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const { store, state } = createAsyncStore();
    const limiter = createRateLimiter({
      store,
      tiers: {
        T: { windows: [{ name: 'm', limit: 2, windowMs: 60_000, algorithm: 'fixed-window' }] },
      },
    });
    await limiter.limit('k');
    await limiter.limit('k');
    const denied = await limiter.limit('k');
    expect(denied).toMatchObject({
      allowed: false,
      reason: 'limit-exceeded',
      retryAfterMs: 60_000,
    });
    expect(state.calls).toBe(3);
    vi.setSystemTime(T0 + 10_000);
    const cached = await limiter.limit('k', { cost: 2 });
    expect(cached).toMatchObject({ allowed: false, reason: 'cached-block', retryAfterMs: 50_000 });
    expect(state.calls).toBe(3);
    // A reservation that counts no request is not blocked by a request window.
    await limiter.limit('k', { cost: 0 });
    expect(state.calls).toBe(4);
    vi.setSystemTime(T0 + 60_000);
    expect((await limiter.limit('k')).allowed).toBe(true);
    expect(state.calls).toBe(5);
    await limiter.limit('k');
    await limiter.limit('k');
    await limiter.reset('k');
    expect((await limiter.limit('k')).allowed).toBe(true);
  });

  it('fails open or closed when the store fails, with a store-error event', async () => {
    const { store, state } = createAsyncStore();
    state.failWith = new Error('connection lost');
    const open = createRateLimiter({ store });
    const errors: unknown[] = [];
    open.on('store-error', (event) => errors.push(event.error));
    expect(await open.limit('k')).toMatchObject({
      allowed: true,
      reason: 'store-unavailable',
      retryAfterMs: 0,
      policies: [],
    });
    expect(errors).toEqual([state.failWith]);
    const closed = createRateLimiter({ store, failMode: 'closed' });
    expect(await closed.limit('k')).toMatchObject({
      allowed: false,
      reason: 'store-unavailable',
      retryAfterMs: 1_000,
    });
    const reservation = await closed.reserve('k', { estimate: 10 });
    expect(reservation).toMatchObject({ allowed: false, tokens: 0 });
  });

  it('rejects with the abort reason while waiting for the store, and removes its listener', async () => {
    const { store, state } = createAsyncStore();
    state.hang = true;
    const limiter = createRateLimiter({ store });
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const pending = limiter.limit('k', { signal: controller.signal });
    controller.abort(new Error('timeout'));
    await expect(pending).rejects.toThrow('timeout');
    state.hang = false;
    const again = new AbortController();
    const removeAgain = vi.spyOn(again.signal, 'removeEventListener');
    await limiter.limit('k', { signal: again.signal });
    expect(removeAgain).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(remove).not.toHaveBeenCalled();
  });

  it('settles reservations of tiers without token windows without a store call', async () => {
    const { store, state } = createAsyncStore();
    const limiter = createRateLimiter({
      store,
      tiers: { T: { windows: [{ name: 'm', limit: 5, windowMs: 60_000 }] } },
    });
    const settled: unknown[] = [];
    limiter.on('reservation-settled', (event) => settled.push(event));
    const reservation = await limiter.reserve('k', { estimate: 1_000 });
    expect(reservation).toMatchObject({ allowed: true, tokens: 0, requestedTokens: 1_000 });
    expect(state.calls).toBe(1);
    expect(await limiter.commit(reservation, 700)).toMatchObject({
      actualTokens: 700,
      policies: [],
    });
    expect(state.calls).toBe(1);
    expect(settled).toEqual([
      { key: 'k', tier: 'T', reservedTokens: 0, actualTokens: 700, hold: 'settled' },
    ]);
  });
});

describe('createRateLimiter: store calls', () => {
  it('limit() goes through execute(), so a wrapper that overrides it sees every request', async () => {
    const memory = createMemoryStore();
    let seen = 0;
    const wrapped: RateLimitStore = {
      ...memory,
      execute: (request) => {
        seen += 1;
        return memory.execute(request);
      },
    };
    const limiter = createRateLimiter({ store: wrapped });
    await limiter.limit('k');
    await limiter.limit('k');
    expect(seen).toBe(2);
    expect((await limiter.getQuota('k', 'FREE')).usage.requestsThisMinute).toBe(2);
  });

  it('limit() on a synchronous store rejects, never throws, when a listener throws', async () => {
    const limiter = createRateLimiter();
    const boom = new Error('listener failed');
    limiter.on('allowed', () => {
      throw boom;
    });
    const pending = limiter.limit('k');
    await expect(pending).rejects.toBe(boom);
  });
});
