import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readDraftHeaders } from './__fixtures__/draft-headers.js';
import { headerOf, pathOf } from './__fixtures__/listen.js';
import {
  adaptOptions,
  describeMiddlewareContract,
  type RequestView,
  recordCalls,
  type StartHarness,
} from './__fixtures__/middleware-contract.js';
import { createTestLimiter } from './__fixtures__/test-limiter.js';
import { fastifyRateLimit } from './fastify-rate-limit.js';

const fastifyView = (request: FastifyRequest): RequestView => ({
  header: (name) => headerOf(request.headers[name]),
  path: pathOf(request.url),
});

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

const startFastify: StartHarness = async (options) => {
  const handled: string[] = [];
  const app = Fastify();
  await app.register(fastifyRateLimit, adaptOptions(options, fastifyView));
  const ok = async (request: FastifyRequest) => {
    handled.push(`${request.method} ${request.routeOptions.url}`);
    return { ok: true };
  };
  app.get('/api/items', ok);
  app.get('/api/items/:id', ok);
  app.post('/api/chat', ok);
  app.get('/health', ok);
  const url = await listen(app);
  return { url, handled, close: () => app.close() };
};

describeMiddlewareContract('Fastify 5', startFastify);

describe('fastifyRateLimit specifics', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('matches endpointCosts on the route pattern and covers routes registered in sibling plugins', async () => {
    const limiter = recordCalls(createTestLimiter());
    app = Fastify();
    await app.register(fastifyRateLimit, { limiter, endpointCosts: { '/api/items/:id': 3 } });
    await app.register(async (scope) => {
      scope.get('/api/items/:id', async () => ({ ok: true }));
    });
    const url = await listen(app);

    const response = await fetch(`${url}/api/items/42?expand=1`);

    expect(response.status).toBe(200);
    expect(readDraftHeaders(response.headers).limits[0]).toMatchObject({ name: 'minute', r: 7 });
    expect(limiter.calls.map((call) => [call.options?.endpoint, call.options?.cost])).toEqual([
      ['/api/items/:id', 3],
    ]);
  });

  it('limits only the routes of the plugin it is registered in', async () => {
    app = Fastify();
    await app.register(async (scope) => {
      await scope.register(fastifyRateLimit, { limiter: createTestLimiter() });
      scope.get('/api/items', async () => ({ ok: true }));
    });
    app.get('/public', async () => ({ ok: true }));
    const url = await listen(app);

    expect((await fetch(`${url}/api/items`)).headers.get('ratelimit')).not.toBeNull();
    expect((await fetch(`${url}/public`)).headers.get('ratelimit')).toBeNull();
  });

  it('keys on request.ip, which follows Fastify trustProxy', async () => {
    const limiter = recordCalls(createTestLimiter());
    app = Fastify({ trustProxy: '127.0.0.1' });
    await app.register(fastifyRateLimit, { limiter });
    app.get('/api/items', async () => ({ ok: true }));
    const url = await listen(app);

    await fetch(`${url}/api/items`, { headers: { 'x-forwarded-for': '2001:db8:aa:bb::1' } });

    expect(limiter.calls[0]?.key).toBe('2001:db8:aa::/56');
  });

  it('accepts resolvers typed with FastifyRequest and Fastify register options', async () => {
    const limiter = recordCalls(createTestLimiter());
    app = Fastify();
    await app.register(fastifyRateLimit, {
      limiter,
      prefix: '/ignored-by-hooks',
      key: (request: FastifyRequest) => `${request.method}:${request.ip}`,
      tier: (request: FastifyRequest) =>
        request.headers.authorization === 'Bearer pro' ? 'PRO' : undefined,
    });
    app.get('/api/items', async () => ({ ok: true }));
    const url = await listen(app);

    await fetch(`${url}/api/items`, { headers: { authorization: 'Bearer pro' } });

    expect(limiter.calls.map((call) => [call.key, call.options?.tier])).toEqual([
      ['GET:127.0.0.1', 'PRO'],
    ]);
  });

  it('fails registration when the options are invalid', async () => {
    app = Fastify();
    await expect(
      app.register(fastifyRateLimit, { limiter: createTestLimiter(), timeoutMs: -1 }),
    ).rejects.toThrow(
      new RangeError('timeoutMs must be > 0 and ≤ 2147483647, or Infinity, got -1'),
    );
  });
});
