import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDraftHeaders } from './__fixtures__/draft-headers.js';
import { close } from './__fixtures__/listen.js';
import {
  adaptOptions,
  describeMiddlewareContract,
  type RequestView,
  type StartHarness,
} from './__fixtures__/middleware-contract.js';
import { createTestLimiter } from './__fixtures__/test-limiter.js';
import { createHonoRateLimit } from './create-hono-rate-limit.js';
import { formatRateLimitHeaders } from './format-rate-limit-headers.js';

const honoView = (context: Context): RequestView => ({
  header: (name) => context.req.header(name),
  path: context.req.path,
});

async function serveApp(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  let server: Server | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    ) as Server;
  });
  return { url: `http://127.0.0.1:${port}`, close: () => close(server!) };
}

const startHono: StartHarness = async (options) => {
  const handled: string[] = [];
  const app = new Hono();
  app.onError((_error, context) => context.text('internal error', 500));
  app.use(createHonoRateLimit(adaptOptions(options, honoView)));
  const ok = (context: Context) => {
    handled.push(`${context.req.method} ${context.req.routePath}`);
    return context.json({ ok: true });
  };
  app.get('/api/items', ok);
  app.get('/api/items/:id', ok);
  app.post('/api/chat', ok);
  app.get('/health', ok);
  const served = await serveApp(app);
  return { ...served, handled };
};

describeMiddlewareContract('Hono', startHono);

describe('createHonoRateLimit specifics', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('puts the headers on streamed responses and on Responses a handler builds itself', async () => {
    const app = new Hono();
    app.use('/api/*', createHonoRateLimit({ limiter: createTestLimiter() }));
    app.get('/api/stream', (context) =>
      streamText(context, async (stream) => {
        await stream.write('data: one\n\n');
        await stream.write('data: two\n\n');
      }),
    );
    app.get('/api/raw', () => new Response('raw', { headers: { 'x-own': 'kept' } }));
    const served = await serveApp(app);
    stop = served.close;

    const streamed = await fetch(`${served.url}/api/stream`);
    expect(await streamed.text()).toBe('data: one\n\ndata: two\n\n');
    expect(readDraftHeaders(streamed.headers).limits[0]).toMatchObject({ name: 'minute', r: 9 });

    const raw = await fetch(`${served.url}/api/raw`);
    expect(await raw.text()).toBe('raw');
    expect(raw.headers.get('x-own')).toBe('kept');
    expect(readDraftHeaders(raw.headers).limits[0]).toMatchObject({ name: 'minute', r: 8 });
  });

  it('keeps fresher rate-limit headers the handler set after a token reservation', async () => {
    const limiter = createTestLimiter();
    const app = new Hono();
    app.use('/api/*', createHonoRateLimit({ limiter, key: () => 'user-1' }));
    // The middleware counted the request: the route holds tokens only (cost 0).
    const reserve = () => limiter.reserve('user-1', { estimate: 1_000, cost: 0 });
    app.post('/api/chat', async (context) => {
      const reservation = await reserve();
      for (const [name, value] of Object.entries(formatRateLimitHeaders(reservation.decision)))
        context.header(name, value);
      return context.json({ ok: true });
    });
    app.post('/api/stream', async () => {
      const reservation = await reserve();
      return new Response('data: one\n\n', {
        headers: {
          'content-type': 'text/event-stream',
          'x-own': 'kept',
          RateLimit: formatRateLimitHeaders(reservation.decision).RateLimit!,
        },
      });
    });
    const served = await serveApp(app);
    stop = served.close;

    const chat = await fetch(`${served.url}/api/chat`, { method: 'POST' });
    expect(await chat.json()).toEqual({ ok: true });
    const chatLimits = readDraftHeaders(chat.headers).limits;
    // The middleware's own RateLimit said 50,000 tokens: the handler's value, after the hold, wins.
    expect(chatLimits.find((limit) => limit.name === 'tokens')?.r).toBe(49_000);
    expect(chatLimits[0]).toMatchObject({ name: 'minute', r: 9 });

    const streamed = await fetch(`${served.url}/api/stream`, { method: 'POST' });
    expect(await streamed.text()).toBe('data: one\n\n');
    expect(streamed.headers.get('x-own')).toBe('kept');
    const { policies, limits } = readDraftHeaders(streamed.headers);
    // RateLimit is the handler's; RateLimit-Policy, which it did not set, is the middleware's.
    expect(limits.find((limit) => limit.name === 'tokens')?.r).toBe(48_000);
    expect(limits[0]).toMatchObject({ name: 'minute', r: 8 });
    expect(policies.map((policy) => policy.name)).toEqual(['minute', 'hour', 'day', 'tokens']);
  });

  it('needs a key resolver outside @hono/node-server, and says so', async () => {
    const app = new Hono();
    const errors: unknown[] = [];
    app.onError((error, context) => {
      errors.push(error);
      return context.text('internal error', 500);
    });
    app.use(createHonoRateLimit({ limiter: createTestLimiter() }));
    app.get('/api/items', (context) => context.json({ ok: true }));

    const response = await app.request('/api/items');

    expect(response.status).toBe(500);
    expect(errors[0]).toEqual(
      new TypeError(
        'could not determine the client address for the default key (connection closed, or a runtime without one); pass a key resolver',
      ),
    );

    const keyed = new Hono();
    const key = vi.fn((context: Context) => context.req.header('x-api-key') ?? 'anonymous');
    keyed.use(createHonoRateLimit({ limiter: createTestLimiter(), key }));
    keyed.get('/api/items', (context) => context.json({ ok: true }));
    const allowed = await keyed.request('/api/items', { headers: { 'x-api-key': 'k1' } });
    expect(allowed.status).toBe(200);
    expect(key).toHaveBeenCalledTimes(1);
    expect(readDraftHeaders(allowed.headers).limits[0]).toMatchObject({ r: 9 });
  });
});
