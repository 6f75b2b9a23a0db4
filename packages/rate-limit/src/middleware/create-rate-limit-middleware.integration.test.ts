import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDraftHeaders } from './__fixtures__/draft-headers.js';
import { close, headerOf, listen, pathOf } from './__fixtures__/listen.js';
import {
  adaptOptions,
  describeMiddlewareContract,
  type RequestView,
  recordCalls,
  type StartHarness,
} from './__fixtures__/middleware-contract.js';
import { createTestLimiter } from './__fixtures__/test-limiter.js';
import { createRateLimitMiddleware } from './create-rate-limit-middleware.js';

const ROUTES = new Set(['GET /api/items', 'GET /api/items/7', 'POST /api/chat', 'GET /health']);

const nodeView = (request: IncomingMessage): RequestView => ({
  header: (name) => headerOf(request.headers[name]),
  path: pathOf(request.url),
});

function answer(request: IncomingMessage, response: ServerResponse, handled: string[]): void {
  const route = `${request.method} ${pathOf(request.url)}`;
  if (!ROUTES.has(route)) {
    response.statusCode = 404;
    response.end();
    return;
  }
  handled.push(route.replace('/api/items/7', '/api/items/:id'));
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify({ ok: true }));
}

const startNode: StartHarness = async (options) => {
  const handled: string[] = [];
  const limit = createRateLimitMiddleware(adaptOptions(options, nodeView));
  const server = createServer(async (request, response) => {
    if (!(await limit(request, response))) return;
    answer(request, response, handled);
  });
  const url = await listen(server);
  return { url, handled, close: () => close(server) };
};

const startExpress: StartHarness = async (options) => {
  const handled: string[] = [];
  const app = express();
  app.use(createRateLimitMiddleware(adaptOptions(options, nodeView)));
  const ok = (request: express.Request, response: express.Response) => {
    handled.push(`${request.method} ${request.route?.path ?? request.path}`);
    response.json({ ok: true });
  };
  app.get('/api/items', ok);
  app.get('/api/items/:id', ok);
  app.post('/api/chat', ok);
  app.get('/health', ok);
  const server = createServer(app);
  const url = await listen(server);
  return { url, handled, close: () => close(server) };
};

describeMiddlewareContract('node:http', startNode);
describeMiddlewareContract('Express 5', startExpress);

describe('createRateLimitMiddleware specifics', () => {
  const servers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((stop) => stop()));
  });

  it('answers a throwing resolver with a 500 problem+json and reports it to onError (node:http, no next)', async () => {
    const onError = vi.fn();
    const failure = new Error('session store down');
    const target = await startNode({
      limiter: createTestLimiter(),
      key: () => {
        throw failure;
      },
      onError,
    });
    servers.push(target.close);

    const response = await fetch(`${target.url}/api/items`);

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ type: 'about:blank', status: 500 });
    expect(onError).toHaveBeenCalledWith(failure, expect.anything());
  });

  it('passes a throwing resolver to next(error) under Express', async () => {
    const app = express();
    const failure = new Error('session store down');
    app.use(
      createRateLimitMiddleware({
        limiter: createTestLimiter(),
        key: () => {
          throw failure;
        },
      }),
    );
    app.get('/api/items', (_request, response) => {
      response.json({ ok: true });
    });
    const seen: unknown[] = [];
    app.use(
      (
        error: unknown,
        _request: express.Request,
        response: express.Response,
        _next: express.NextFunction,
      ) => {
        seen.push(error);
        response.status(500).json({ handled: true });
      },
    );
    const server = createServer(app);
    const url = await listen(server);
    servers.push(() => close(server));

    const response = await fetch(`${url}/api/items`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ handled: true });
    expect(seen).toEqual([failure]);
  });

  it('matches endpointCosts on the full path under an Express mount point, and uses req.ip', async () => {
    const limiter = recordCalls(createTestLimiter());
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(
      '/api',
      createRateLimitMiddleware<express.Request>({
        limiter,
        endpointCosts: { '/api/chat': 3 },
        key: (request) => `user:${request.ip}`,
      }),
    );
    app.post('/api/chat', (_request, response) => {
      response.json({ ok: true });
    });
    const server = createServer(app);
    const url = await listen(server);
    servers.push(() => close(server));

    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '198.51.100.4' },
    });

    expect(response.status).toBe(200);
    expect(readDraftHeaders(response.headers).limits[0]).toMatchObject({ name: 'minute', r: 7 });
    // The app trusts its loopback proxy, so Express derives req.ip from X-Forwarded-For.
    expect(limiter.calls.map((call) => [call.key, call.options?.cost])).toEqual([
      ['user:198.51.100.4', 3],
    ]);
  });

  it('keys on the socket address by default even when X-Forwarded-For is sent', async () => {
    const limiter = recordCalls(createTestLimiter());
    const target = await startExpress({ limiter });
    servers.push(target.close);

    await fetch(`${target.url}/api/items`, { headers: { 'x-forwarded-for': '198.51.100.4' } });

    expect(limiter.calls[0]?.key).toBe('127.0.0.1');
  });

  it('rejects invalid options at construction with precise messages', () => {
    const limiter = createTestLimiter();
    expect(() => createRateLimitMiddleware({ limiter: {} as never })).toThrow(
      new TypeError('limiter must be an object with a limit(key, options) method'),
    );
    expect(() => createRateLimitMiddleware({ limiter, timeoutMs: 0 })).toThrow(
      new RangeError('timeoutMs must be > 0 and ≤ 2147483647, or Infinity, got 0'),
    );
    expect(() =>
      createRateLimitMiddleware({ limiter, endpointCosts: { '/api/chat': -2 } }),
    ).toThrow(new RangeError('endpointCosts["/api/chat"] must be a finite number ≥ 0, got -2'));
    expect(() => createRateLimitMiddleware({ limiter, statusCode: 200 })).toThrow(
      new RangeError('statusCode must be an integer from 400 to 599, got 200'),
    );
    expect(() => createRateLimitMiddleware({ limiter, ipv6Subnet: 129 })).toThrow(
      new RangeError('ipv6Subnet must be an integer from 1 to 128 or false, got 129'),
    );
    expect(() => createRateLimitMiddleware({ limiter, key: 'user' as never })).toThrow(
      new TypeError('key must be a function, got "user"'),
    );
    expect(() => createRateLimitMiddleware({ limiter, failOpen: 'yes' as never })).toThrow(
      new TypeError('failOpen must be a boolean, got "yes"'),
    );
  });
});
