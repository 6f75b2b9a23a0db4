import type { Server } from 'node:http';
import {
  type ClientRequest,
  createServer,
  get,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import { createRateLimiter } from '../rate-limiter.js';
import { TIER_PRESETS } from '../tier-presets.js';
import { readDraftHeaders } from './__fixtures__/draft-headers.js';
import { close, listen, pathOf } from './__fixtures__/listen.js';
import { createHonoRateLimit } from './create-hono-rate-limit.js';
import { createRateLimitMiddleware } from './create-rate-limit-middleware.js';
import { fastifyRateLimit } from './fastify-rate-limit.js';
import type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';

/** A server whose `GET /stream` answers its headers, then holds the body open until `finish()`. */
interface StreamingServer {
  readonly url: string;
  /** Ends the oldest open stream. */
  finish(): void;
  readonly open: number;
  close(): Promise<void>;
}

type Options = RateLimitMiddlewareOptions<unknown>;
type Start = (options: Options) => Promise<StreamingServer>;

/** Slots free on socket close; a loaded machine can take seconds to get there. */
const WAIT = { timeout: 10_000 };

function gates() {
  const waiting: Array<() => void> = [];
  return {
    hold: () => new Promise<void>((resolve) => waiting.push(resolve)),
    finish: () => waiting.shift()?.(),
    get open() {
      return waiting.length;
    },
  };
}

function streamingServer(
  url: string,
  gate: ReturnType<typeof gates>,
  closeServer: () => Promise<void>,
): StreamingServer {
  return {
    url,
    finish: gate.finish,
    get open() {
      return gate.open;
    },
    close: closeServer,
  };
}

async function holdNode(response: ServerResponse, hold: () => Promise<void>) {
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  response.write('first chunk\n');
  await hold();
  if (!response.destroyed) response.end('last chunk\n');
}

const startNode: Start = async (options) => {
  const gate = gates();
  const limit = createRateLimitMiddleware(options as RateLimitMiddlewareOptions<IncomingMessage>);
  const server = createServer(async (request, response) => {
    if (!(await limit(request, response))) return;
    if (pathOf(request.url) === '/stream') await holdNode(response, gate.hold);
    else response.end('quick\n');
  });
  const url = await listen(server);
  return streamingServer(url, gate, () => close(server));
};

const startExpress: Start = async (options) => {
  const gate = gates();
  const app = express();
  app.use(createRateLimitMiddleware(options as RateLimitMiddlewareOptions<IncomingMessage>));
  app.get('/stream', (_request, response) => void holdNode(response, gate.hold));
  app.get('/quick', (_request, response) => response.send('quick\n'));
  const server = createServer(app);
  const url = await listen(server);
  return streamingServer(url, gate, () => close(server));
};

const startFastify: Start = async (options) => {
  const gate = gates();
  // Closing never waits for a request a failed test left hanging.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyRateLimit, options as never);
  app.get('/stream', async (_request, reply) => {
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders()))
      reply.raw.setHeader(name, value as string);
    await holdNode(reply.raw, gate.hold);
  });
  app.get('/quick', async () => 'quick\n');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return streamingServer(`http://127.0.0.1:${address.port}`, gate, () => app.close());
};

const startHono: Start = async (options) => {
  const gate = gates();
  const app = new Hono();
  app.use(createHonoRateLimit(options as never));
  app.get('/stream', (context) =>
    stream(context, async (body) => {
      await body.write('first chunk\n');
      await gate.hold();
      await body.write('last chunk\n');
    }),
  );
  app.get('/quick', (context) => context.text('quick\n'));
  let server: Server | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    ) as Server;
  });
  return streamingServer(`http://127.0.0.1:${port}`, gate, () => close(server as Server));
};

/** FREE allows 2 requests in flight per key. */
function optionsFor(overrides: { maxWaitMs?: number } = {}) {
  const concurrency = createConcurrencyLimiter({ maxQueue: 10 });
  const options: Options = {
    limiter: createRateLimiter({ tiers: TIER_PRESETS, defaultTier: 'FREE' }),
    key: () => 'user:1',
    concurrency: { limiter: concurrency, ...overrides },
  };
  return { options, concurrency };
}

describe.each([
  ['node:http', startNode],
  ['Express 5', startExpress],
  ['Fastify', startFastify],
  ['Hono', startHono],
] as const)('%s: concurrency limits per tier', (_name, start) => {
  let server: StreamingServer | undefined;
  const requests: ClientRequest[] = [];
  afterEach(async () => {
    for (const request of requests.splice(0)) request.destroy();
    while (server !== undefined && server.open > 0) server.finish();
    await server?.close();
    server = undefined;
  });

  /**
   * Opens `GET /stream` on a socket of its own (no pool): leaving is closing that socket, and no
   * HTTP client can retry the request on another connection or queue it behind an open one.
   */
  const openStream = async (url: string) => {
    const request = get(`${url}/stream`, { agent: false });
    requests.push(request);
    const message = await new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    message.on('error', () => undefined);
    const headers = new Headers();
    for (const [name, value] of Object.entries(message.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const text = () =>
      new Promise<string>((resolve) => {
        let body = '';
        message.setEncoding('utf8');
        message.on('data', (chunk: string) => {
          body += chunk;
        });
        message.once('end', () => resolve(body));
      });
    return {
      response: { status: message.statusCode, headers, text },
      disconnect: () => request.destroy(),
    };
  };

  it('answers 429 with headers that say so once the tier’s slots are taken, and frees a slot when a stream ends', async () => {
    const { options, concurrency } = optionsFor();
    server = await start(options);
    const first = await openStream(server.url);
    const second = await openStream(server.url);
    expect(first.response.status).toBe(200);
    expect(readDraftHeaders(first.response.headers).limits).toContainEqual({
      name: 'concurrency',
      r: 1,
      t: undefined,
    });
    expect(readDraftHeaders(second.response.headers).policies).toContainEqual(
      expect.objectContaining({ name: 'concurrency', q: 2, qu: 'concurrent-requests' }),
    );
    expect(await concurrency.inFlight('user:1')).toBe(2);

    const refused = await fetch(`${server.url}/quick`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(readDraftHeaders(refused.headers).limits).toContainEqual({
      name: 'concurrency',
      r: 0,
      t: undefined,
    });
    expect(await refused.json()).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      'violated-policies': ['concurrency'],
      policy: 'concurrency',
      tier: 'FREE',
    });

    // The stream ends: its slot comes back.
    server.finish();
    await first.response.text();
    await vi.waitFor(async () => expect(await concurrency.inFlight('user:1')).toBe(1), WAIT);
    const passed = await fetch(`${server.url}/quick`);
    expect(passed.status).toBe(200);
    await passed.text();
    await vi.waitFor(async () => expect(await concurrency.inFlight('user:1')).toBe(1), WAIT);
  });

  it('frees the slot of a client that disconnects mid-stream', async () => {
    const { options, concurrency } = optionsFor();
    server = await start(options);
    const first = await openStream(server.url);
    await openStream(server.url);
    expect(await concurrency.inFlight('user:1')).toBe(2);
    first.disconnect();
    await vi.waitFor(async () => expect(await concurrency.inFlight('user:1')).toBe(1), WAIT);
    expect((await fetch(`${server.url}/quick`)).status).toBe(200);
  });

  it('waits for a slot when maxWaitMs allows, instead of answering 429', async () => {
    const { options, concurrency } = optionsFor({ maxWaitMs: 30_000 });
    server = await start(options);
    await openStream(server.url);
    await openStream(server.url);
    const waiting = fetch(`${server.url}/quick`);
    await vi.waitFor(() => expect(concurrency.queued('user:1')).toBe(1), WAIT);
    server.finish();
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('quick\n');
  });
});
