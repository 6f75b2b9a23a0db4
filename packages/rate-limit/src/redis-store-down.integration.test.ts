import { type RedisServerHandle, startRedisServer } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createFallbackStore } from './fallback-store.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisStore } from './redis-store.js';
import { isStoreNotReadyError } from './store-not-ready-error.js';
import { isStoreTimeoutError } from './store-timeout-error.js';
import { isStoreUnavailableError } from './store-unavailable-error.js';

const COMMAND_TIMEOUT_MS = 500;
// Generous: the claim is "bounded by the command timeout", not a speed; the machine may be busy.
const SLACK_MS = 2_500;

function isTypedStoreError(error: unknown): boolean {
  return (
    isStoreTimeoutError(error) || isStoreUnavailableError(error) || isStoreNotReadyError(error)
  );
}

/** How long `promise` takes to settle, and how it settled. */
async function timed<T>(promise: Promise<T>) {
  const started = performance.now();
  const outcome = await promise.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, ms: performance.now() - started };
}

describe('Redis store while Redis is down or paused', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    process.off('unhandledRejection', onUnhandled);
  });

  /** A server of its own and a client with ioredis' defaults, as the guide sets them up. */
  async function setup(): Promise<{ server: RedisServerHandle; client: Redis }> {
    process.on('unhandledRejection', onUnhandled);
    unhandled.length = 0;
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const client = new Redis(server.url);
    // ioredis reports connection errors as events; without a listener it only logs them.
    client.on('error', () => undefined);
    cleanups.push(() => client.disconnect());
    await client.ping();
    return { server, client };
  }

  it('settles every call within the command timeout, follows failMode, and rejects with typed errors', async () => {
    const { server, client } = await setup();
    const store = createRedisStore({ client, prefix: 'down' });
    const open = createRateLimiter({ store });
    const closed = createRateLimiter({ store, failMode: 'closed' });
    const errors: unknown[] = [];
    for (const limiter of [open, closed])
      limiter.on('store-error', (event) => errors.push(event.error));
    const reservation = await open.reserve('user', { estimate: 100 });
    expect(reservation.allowed).toBe(true);

    await server.stop();
    const calls = [
      ...Array.from({ length: 5 }, () => timed(open.limit('user'))),
      ...Array.from({ length: 5 }, () => timed(closed.limit('user'))),
    ];
    const outcomes = await Promise.all(calls);
    for (const outcome of outcomes) expect(outcome.ms).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
    expect(outcomes.slice(0, 5).map((outcome) => outcome.value)).toEqual(
      Array(5).fill(expect.objectContaining({ allowed: true, reason: 'store-unavailable' })),
    );
    expect(outcomes.slice(5).map((outcome) => outcome.value)).toEqual(
      Array(5).fill(
        expect.objectContaining({
          allowed: false,
          reason: 'store-unavailable',
          retryAfterMs: 1_000,
        }),
      ),
    );
    expect(errors.length).toBeGreaterThanOrEqual(10);
    expect(errors.every(isTypedStoreError)).toBe(true);

    for (const call of [
      reservation.commit(80) as Promise<unknown>,
      open.getQuota('user'),
      open.reset('user'),
      open.reserve('user', { estimate: 10 }).then((held) => (held.allowed ? 'held' : 'refused')),
    ]) {
      const outcome = await timed(call);
      expect(outcome.ms).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
      if (outcome.error !== undefined) expect(isTypedStoreError(outcome.error)).toBe(true);
      else expect(['held', 'refused']).toContain(outcome.value);
    }
    // The commit failed without settling: once Redis is back it can be retried.
    expect(reservation.settled).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it('bounds reset and decisions by the command timeout while Redis is paused', async () => {
    const { server, client } = await setup();
    const admin = new Redis(server.url);
    cleanups.push(() => admin.disconnect());
    const limiter = createRateLimiter({
      store: createRedisStore({ client, prefix: 'paused', commandTimeoutMs: 300 }),
      failMode: 'closed',
    });
    expect((await limiter.limit('user')).allowed).toBe(true);
    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const reset = await timed(limiter.reset('user'));
    expect(reset.ms).toBeLessThan(300 + SLACK_MS);
    expect(isStoreTimeoutError(reset.error)).toBe(true);
    expect(reset.error).toMatchObject({ code: 'RATE_LIMIT_STORE_TIMEOUT', timeoutMs: 300 });
    const decision = await timed(limiter.limit('user'));
    expect(decision.ms).toBeLessThan(300 + SLACK_MS);
    expect(decision.value).toMatchObject({ allowed: false, reason: 'store-unavailable' });
    await admin.call('CLIENT', 'UNPAUSE');
    expect((await limiter.limit('user')).allowed).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('keeps keys Redis had exhausted exhausted when the fallback engages', async () => {
    const { server, client } = await setup();
    const store = createFallbackStore({
      primary: createRedisStore({ client, prefix: 'seed' }),
      probeIntervalMs: 60_000,
    });
    const limiter = createRateLimiter({ store, blockedCache: false });
    for (let call = 0; call < 10; call++) expect((await limiter.limit('full')).allowed).toBe(true);
    expect((await limiter.limit('full')).allowed).toBe(false);
    await (await limiter.reserve('broke', { estimate: 50_000, cost: 0 })).commit(50_000);
    expect((await limiter.limit('half')).allowed).toBe(true);

    await server.stop();
    const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.limit('full')));
    expect(store.engaged).toBe(true);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(0);
    expect((await limiter.reserve('broke', { estimate: 1_000, cost: 0 })).allowed).toBe(false);
    // A key Redis had barely used keeps the rest of its quota locally.
    const half = await Promise.all(Array.from({ length: 12 }, () => limiter.limit('half')));
    expect(half.filter((decision) => decision.allowed)).toHaveLength(9);
    expect(unhandled).toEqual([]);
  });
});
