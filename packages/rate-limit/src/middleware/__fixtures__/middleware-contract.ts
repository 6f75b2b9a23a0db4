import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RateLimitDecision } from '../../rate-limit-decision.js';
import { QUOTA_EXCEEDED_TYPE, TEMPORARY_REDUCED_CAPACITY_TYPE } from '../problem-details.js';
import type { RateLimitMiddlewareOptions } from '../rate-limit-middleware-options.js';
import type { LimitCallOptions, RateLimiterLike } from '../rate-limiter-like.js';
import { parseRetryAfter, readDraftHeaders } from './draft-headers.js';
import { createTestLimiter } from './test-limiter.js';

// A sliding window frees quota gradually: the previous window's count still weighs on the
// next one, so a full minute window of 10 can need up to 60 s + 60 s / 10 before a request passes.
const SLIDING_MINUTE_MAX_WAIT_S = 60 + 60 / 10 + 1; // +1: Retry-After rounds up

/** The little every framework's request exposes to the shared resolvers. */
export interface RequestView {
  header(name: string): string | undefined;
  readonly path: string;
}

/** A real server on 127.0.0.1 with the middleware installed and the routes below. */
export interface HarnessServer {
  readonly url: string;
  /** `METHOD path` of every request that reached a route handler. */
  readonly handled: string[];
  close(): Promise<void>;
}

/**
 * Starts a server for one framework. Routes: `GET /api/items`, `GET /api/items/:id`,
 * `POST /api/chat`, `GET /health`, each answering 200 `{"ok":true}`.
 */
export type StartHarness = (
  options: RateLimitMiddlewareOptions<RequestView>,
) => Promise<HarnessServer>;

/** Rewrites options written against {@link RequestView} for a framework's own request type. */
export function adaptOptions<Request>(
  options: RateLimitMiddlewareOptions<RequestView>,
  toView: (request: Request) => RequestView,
): RateLimitMiddlewareOptions<Request> {
  const { key, tier, endpoint, cost, skip, onDenied, onError, ...rest } = options;
  return {
    ...rest,
    ...(key && { key: (request: Request) => key(toView(request)) }),
    ...(tier && { tier: (request: Request) => tier(toView(request)) }),
    ...(endpoint && { endpoint: (request: Request) => endpoint(toView(request)) }),
    ...(cost && { cost: (request: Request) => cost(toView(request)) }),
    ...(skip && { skip: (request: Request) => skip(toView(request)) }),
    ...(onDenied && {
      onDenied: (decision: RateLimitDecision, request: Request) =>
        onDenied(decision, toView(request)),
    }),
    ...(onError && {
      onError: (error: unknown, request: Request) => onError(error, toView(request)),
    }),
  };
}

/** Wraps a limiter to record the key and options of every call. */
export function recordCalls<Limiter extends RateLimiterLike>(
  limiter: Limiter,
): Limiter & { readonly calls: Array<{ key: string; options: LimitCallOptions | undefined }> } {
  const calls: Array<{ key: string; options: LimitCallOptions | undefined }> = [];
  return Object.assign(Object.create(limiter) as Limiter, {
    calls,
    limit(key: string, options?: LimitCallOptions) {
      calls.push({ key, options });
      return limiter.limit(key, options);
    },
  });
}

const FREE_POLICIES = [
  { name: 'minute', q: 10, w: 60 },
  { name: 'hour', q: 100, w: 3600 },
  { name: 'day', q: 500, w: 86400 },
  { name: 'tokens', q: 50_000, w: 86400 },
];

/** Accounts the resolver tests authenticate as; a real app would verify a token. */
const ACCOUNTS: Record<string, { user: string; tier: string }> = {
  'Bearer token-pro': { user: 'user-pro', tier: 'PRO' },
  'Bearer token-free': { user: 'user-free', tier: 'FREE' },
};

/** The behaviour every framework adapter must show over real HTTP. */
export function describeMiddlewareContract(framework: string, start: StartHarness): void {
  describe(`${framework}: rate-limit middleware over real HTTP`, () => {
    let server: HarnessServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    const open = async (options: RateLimitMiddlewareOptions<RequestView>) => {
      server = await start(options);
      return server;
    };
    const request = (target: HarnessServer, path: string, init?: RequestInit) =>
      fetch(`${target.url}${path}`, init);

    it('sends RateLimit-Policy and RateLimit in draft-10 syntax on allowed responses', async () => {
      const target = await open({ limiter: createTestLimiter() });

      for (const expectedRemaining of [9, 8, 7]) {
        const response = await request(target, '/api/items');
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ok: true });
        const { policies, limits } = readDraftHeaders(response.headers);
        expect(policies.map(({ name, q, w }) => ({ name, q, w }))).toEqual(FREE_POLICIES);
        expect(policies.at(-1)?.vendor.get('breakwater-unit')).toEqual({
          type: 'string',
          value: 'tokens',
        });
        expect(limits.map((limit) => limit.name)).toEqual(['minute', 'tokens']);
        expect(limits[0]?.r).toBe(expectedRemaining);
        expect(limits[0]?.t).toBeGreaterThanOrEqual(1);
        expect(limits[0]?.t).toBeLessThanOrEqual(SLIDING_MINUTE_MAX_WAIT_S);
        expect(limits[1]?.r).toBe(50_000);
        expect(response.headers.get('retry-after')).toBeNull();
        expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      }
      expect(target.handled).toEqual(['GET /api/items', 'GET /api/items', 'GET /api/items']);
    });

    it('answers 429 problem+json with Retry-After once a window is spent, without running the handler', async () => {
      const onDenied = vi.fn();
      const target = await open({ limiter: createTestLimiter(), onDenied });
      for (let index = 0; index < 10; index++) {
        expect((await request(target, '/api/items')).status).toBe(200);
      }

      const response = await request(target, '/api/items');

      expect(response.status).toBe(429);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const retryAfter = parseRetryAfter(response.headers.get('retry-after') ?? '');
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(SLIDING_MINUTE_MAX_WAIT_S);
      const { limits } = readDraftHeaders(response.headers);
      expect(limits[0]).toMatchObject({ name: 'minute', r: 0 });
      // The draft: Retry-After SHOULD NOT point earlier than the reset of the reported policy.
      expect(retryAfter).toBeGreaterThanOrEqual(limits[0]?.t ?? 0);
      const body = await response.json();
      expect(body).toEqual({
        type: QUOTA_EXCEEDED_TYPE,
        title: 'Request cannot be satisfied as assigned quota has been exceeded',
        status: 429,
        detail: expect.stringMatching(
          /^Quota "minute" of 10 requests per 60 s is exhausted; retry in \d+ s\.$/,
        ),
        'violated-policies': ['minute'],
        retry_after_ms: expect.any(Number),
        tier: 'FREE',
        policy: 'minute',
      });
      expect(Math.ceil(body.retry_after_ms / 1000)).toBe(retryAfter);
      expect(target.handled).toHaveLength(10);
      expect(onDenied).toHaveBeenCalledTimes(1);
      expect(onDenied.mock.calls[0]?.[0]).toMatchObject({
        allowed: false,
        reason: 'limit-exceeded',
      });
    });

    it('charges endpointCosts by route, times cost(request)', async () => {
      const limiter = recordCalls(createTestLimiter());
      let target = await open({ limiter, endpointCosts: { '/api/chat': 2 } });

      const chat = await request(target, '/api/chat', { method: 'POST' });
      expect(readDraftHeaders(chat.headers).limits[0]).toMatchObject({ name: 'minute', r: 8 });
      const items = await request(target, '/api/items?page=2');
      expect(readDraftHeaders(items.headers).limits[0]).toMatchObject({ name: 'minute', r: 7 });
      expect(limiter.calls.map((call) => call.options?.endpoint)).toEqual([
        '/api/chat',
        '/api/items',
      ]);
      expect(limiter.calls.map((call) => call.options?.cost)).toEqual([2, undefined]);
      await target.close();

      target = await open({
        limiter: createTestLimiter(),
        endpointCosts: { '/api/chat': 2 },
        cost: (view) => (view.header('x-model') === 'large' ? 3 : 1),
      });
      const large = await request(target, '/api/chat', {
        method: 'POST',
        headers: { 'x-model': 'large' },
      });
      expect(readDraftHeaders(large.headers).limits[0]).toMatchObject({ name: 'minute', r: 4 });
      const small = await request(target, '/api/items', { headers: { 'x-model': 'large' } });
      expect(readDraftHeaders(small.headers).limits[0]).toMatchObject({ name: 'minute', r: 1 });
    });

    it("applies the limiter's own endpointCosts through the endpoint it passes", async () => {
      const target = await open({
        limiter: createTestLimiter({ endpointCosts: { '/api/chat': 4 } }),
      });

      const chat = await request(target, '/api/chat', { method: 'POST' });

      expect(readDraftHeaders(chat.headers).limits[0]).toMatchObject({ name: 'minute', r: 6 });
    });

    it('takes key and tier from the resolvers, per authenticated account', async () => {
      const limiter = recordCalls(createTestLimiter());
      const target = await open({
        limiter,
        key: (view) => ACCOUNTS[view.header('authorization') ?? '']?.user ?? 'anonymous',
        tier: (view) => ACCOUNTS[view.header('authorization') ?? '']?.tier,
      });

      const pro = await request(target, '/api/items', {
        headers: { authorization: 'Bearer token-pro' },
      });
      const free = await request(target, '/api/items', {
        headers: { authorization: 'Bearer token-free' },
      });
      const freeAgain = await request(target, '/api/items', {
        headers: { authorization: 'Bearer token-free' },
      });

      const proHeaders = readDraftHeaders(pro.headers);
      expect(proHeaders.policies.map(({ name, q }) => [name, q])).toEqual([
        ['minute', 100],
        ['hour', 2000],
        ['day', 20_000],
        ['tokens', 2_000_000],
      ]);
      expect(proHeaders.limits[0]).toMatchObject({ name: 'minute', r: 99 });
      expect(readDraftHeaders(free.headers).limits[0]).toMatchObject({ r: 9 });
      expect(readDraftHeaders(freeAgain.headers).limits[0]).toMatchObject({ r: 8 });
      expect(limiter.calls.map((call) => [call.key, call.options?.tier])).toEqual([
        ['user-pro', 'PRO'],
        ['user-free', 'FREE'],
        ['user-free', 'FREE'],
      ]);
    });

    it('keys on the client address and ignores a tier the client asks for in a header', async () => {
      const limiter = recordCalls(createTestLimiter());
      const target = await open({ limiter });

      const response = await request(target, '/api/items', {
        headers: { 'x-ratelimit-tier': 'ENTERPRISE', 'x-tier': 'ENTERPRISE', tier: 'PRO' },
      });

      expect(response.status).toBe(200);
      const { policies, limits } = readDraftHeaders(response.headers);
      expect(policies[0]).toMatchObject({ name: 'minute', q: 10 });
      expect(limits[0]).toMatchObject({ name: 'minute', r: 9 });
      expect(limiter.calls).toEqual([{ key: '127.0.0.1', options: { endpoint: '/api/items' } }]);
    });

    it('skips requests skip(request) selects: no limiter call, no headers', async () => {
      const limiter = recordCalls(createTestLimiter());
      const target = await open({ limiter, skip: (view) => view.path === '/health' });

      const response = await request(target, '/health');

      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit')).toBeNull();
      expect(response.headers.get('ratelimit-policy')).toBeNull();
      expect(limiter.calls).toEqual([]);
    });

    it('adds legacy X-RateLimit-* headers only when legacyHeaders is on', async () => {
      const target = await open({ limiter: createTestLimiter(), legacyHeaders: true });
      const before = Math.floor(Date.now() / 1000);

      const response = await request(target, '/api/items');

      expect(response.headers.get('x-ratelimit-limit')).toBe('10');
      expect(response.headers.get('x-ratelimit-remaining')).toBe('9');
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(before);
      expect(reset).toBeLessThanOrEqual(before + 61);
      expect(response.headers.get('ratelimit')).not.toBeNull();
    });

    it('reports shadow denials in the headers but never blocks', async () => {
      const target = await open({ limiter: createTestLimiter({ shadow: true }) });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let index = 0; index < 12; index++) {
        last = await request(target, '/api/items');
        statuses.push(last.status);
      }
      expect(statuses).toEqual(new Array(12).fill(200));
      expect(readDraftHeaders(last!.headers).limits[0]).toMatchObject({ name: 'minute', r: 0 });
      expect(last!.headers.get('retry-after')).toBeNull();
      expect(target.handled).toHaveLength(12);
    });

    it('answers 503 problem+json when the limiter rejects, and keeps serving', async () => {
      const onError = vi.fn();
      const failure = new Error('store unreachable');
      const target = await open({ limiter: { limit: () => Promise.reject(failure) }, onError });

      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await request(target, '/api/items');
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(await response.json()).toMatchObject({
          type: TEMPORARY_REDUCED_CAPACITY_TYPE,
          status: 503,
          'violated-policies': [],
        });
      }
      expect(onError).toHaveBeenCalledTimes(2);
      expect(onError.mock.calls[0]?.[0]).toBe(failure);
      expect(target.handled).toEqual([]);
    });

    it('lets requests through without headers when the limiter rejects and failOpen is on', async () => {
      const target = await open({
        limiter: { limit: () => Promise.reject(new Error('store unreachable')) },
        failOpen: true,
      });

      const response = await request(target, '/api/items');

      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit')).toBeNull();
      expect(target.handled).toEqual(['GET /api/items']);
    });

    it('cuts off a limiter whose store never answers after timeoutMs', async () => {
      const onError = vi.fn();
      const limiter = createTestLimiter({
        store: { execute: () => new Promise(() => {}), reset() {} },
      });
      const target = await open({ limiter, timeoutMs: 50, onError });

      const response = await request(target, '/api/items');

      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ type: TEMPORARY_REDUCED_CAPACITY_TYPE });
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0]?.[0]).toMatchObject({
        name: 'TimeoutError',
        message: 'limiter.limit did not settle within 50 ms',
      });
      expect(target.handled).toEqual([]);
    });

    it('answers 503 for a limiter rejection such as an unknown tier from the resolver', async () => {
      const onError = vi.fn();
      const target = await open({ limiter: createTestLimiter(), tier: () => 'PLATINUM', onError });

      const response = await request(target, '/api/items');

      expect(response.status).toBe(503);
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ name: 'UnknownTierError' });
    });

    it('answers 503 with Retry-After when the store is down and the limiter fails closed', async () => {
      const limiter = createTestLimiter({
        failMode: 'closed',
        store: { execute: () => Promise.reject(new Error('ECONNREFUSED')), reset() {} },
      });
      limiter.on('store-error', () => {});
      const target = await open({ limiter });

      const response = await request(target, '/api/items');

      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(parseRetryAfter(response.headers.get('retry-after') ?? '')).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({
        type: TEMPORARY_REDUCED_CAPACITY_TYPE,
        status: 503,
        retry_after_ms: expect.any(Number),
        tier: 'FREE',
      });
      expect(target.handled).toEqual([]);
    });

    it('lets the request through when the store is down and the limiter fails open', async () => {
      const limiter = createTestLimiter({
        failMode: 'open',
        store: { execute: () => Promise.reject(new Error('ECONNREFUSED')), reset() {} },
      });
      limiter.on('store-error', () => {});
      const target = await open({ limiter });

      const response = await request(target, '/api/items');

      expect(response.status).toBe(200);
      expect(target.handled).toEqual(['GET /api/items']);
    });

    it('treats a resolver that throws as a server error, not a rate-limit answer', async () => {
      const target = await open({
        limiter: createTestLimiter(),
        key: () => {
          throw new Error('session store down');
        },
        onError: () => {},
      });

      const response = await request(target, '/api/items');
      await response.arrayBuffer();

      expect(response.status).toBe(500);
      expect(target.handled).toEqual([]);
      const health = await request(target, '/health');
      expect(health.status).toBe(500);
    });
  });
}
