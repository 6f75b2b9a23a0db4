import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeSignal, releaseWhenClosed } from '../concurrency/http-concurrency.js';
import { createRateLimitHandler, type RateLimitOutcome } from './create-rate-limit-handler.js';
import { PROBLEM_JSON } from './problem-details.js';
import type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';

/**
 * A node:http / Connect / Express middleware. Resolves `true` when the request may continue
 * (after calling `next()` if given) and `false` when it has already been answered.
 */
export type NodeRateLimitMiddleware<Request extends IncomingMessage = IncomingMessage> = (
  request: Request,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<boolean>;

/**
 * Rate-limits node:http, Connect and Express requests. Every response gets the `RateLimit-Policy`
 * and `RateLimit` headers; a blocked request is answered with 429 `application/problem+json` and
 * `Retry-After`, without calling `next`.
 *
 * With Express or Connect, `app.use(middleware)`; a throwing callback goes to `next(error)`.
 * With plain node:http, `if (!(await middleware(request, response))) return;` at the top of the
 * handler; a throwing callback is reported to `onError` and answered with 500.
 *
 * @example
 * app.use(createRateLimitMiddleware({ limiter, endpointCosts: { '/api/chat': 2 } }));
 */
export function createRateLimitMiddleware<Request extends IncomingMessage = IncomingMessage>(
  options: RateLimitMiddlewareOptions<Request>,
): NodeRateLimitMiddleware<Request> {
  const handle = createRateLimitHandler(options);
  return async (request, response, next) => {
    let outcome: RateLimitOutcome;
    try {
      outcome = await handle(request, {
        clientAddress: () => clientAddress(request),
        path: () => pathOf(request),
        signal: () => closeSignal(response),
      });
    } catch (error) {
      if (next !== undefined) {
        next(error);
        return false;
      }
      options.onError?.(error, request);
      sendJson(response, 500, { 'Content-Type': PROBLEM_JSON }, INTERNAL_ERROR_BODY);
      return false;
    }
    if (outcome.action === 'respond') {
      sendJson(response, outcome.status, outcome.headers, JSON.stringify(outcome.body));
      return false;
    }
    if (!response.headersSent) {
      for (const [name, value] of Object.entries(outcome.headers)) response.setHeader(name, value);
    }
    // A concurrency slot is held until the response is over, however it ends.
    if (outcome.release !== undefined) releaseWhenClosed(response, outcome.release);
    next?.();
    return true;
  };
}

const INTERNAL_ERROR_BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Internal Server Error',
  status: 500,
  detail: 'The rate limiter could not process this request.',
});

function sendJson(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): void {
  if (response.headersSent) {
    // Another layer already answered; ending is all that is left to do.
    if (!response.writableEnded) response.end();
    return;
  }
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.statusCode = status;
  response.end(body);
}

/** Express and Connect-style frameworks set `req.ip` under their own proxy-trust setting. */
function clientAddress(request: IncomingMessage): string | undefined {
  const ip = (request as { ip?: unknown }).ip;
  return typeof ip === 'string' && ip !== '' ? ip : request.socket.remoteAddress;
}

/** `originalUrl` survives Express/Connect mount points, which rewrite `url`. */
function pathOf(request: IncomingMessage): string {
  const url = (request as { originalUrl?: unknown }).originalUrl;
  const target = typeof url === 'string' ? url : (request.url ?? '/');
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
