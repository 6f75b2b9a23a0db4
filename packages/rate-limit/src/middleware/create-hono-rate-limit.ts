import {
  type ClosableResponse,
  closeSignal,
  releaseWhenClosed,
} from '../concurrency/http-concurrency.js';
import { createRateLimitHandler } from './create-rate-limit-handler.js';
import type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';

/** The members of a Hono `Context` the middleware uses. */
export interface HonoContextLike {
  readonly req: { readonly path: string };
  /** With `@hono/node-server`, `{ incoming, outgoing }`: the default key reads the socket address. */
  readonly env: unknown;
  /** The response so far; after `next()`, the handler's. */
  readonly res: { readonly headers: { has(name: string): boolean } };
  header(name: string, value?: string): void;
  body(data: string, status: number, headers: Record<string, string>): Response;
}

/** A Hono middleware (`MiddlewareHandler`). */
export type HonoRateLimitMiddleware = (
  context: HonoContextLike,
  next: () => Promise<void>,
) => Promise<Response | undefined>;

/** Options of {@link createHonoRateLimit}; `Request` is Hono's `Context`. */
export type HonoRateLimitOptions = RateLimitMiddlewareOptions<HonoContextLike>;

/**
 * Hono middleware. Every response gets `RateLimit-Policy` and `RateLimit` (set before the handler
 * runs, so streamed responses carry them, and on the final response when it lacks them); a
 * header the handler set itself, such as a fresher `RateLimit` after a token reservation, is
 * kept. A blocked request is answered with 429 `application/problem+json` and `Retry-After`
 * without calling `next`.
 *
 * The default key is the socket address under `@hono/node-server`; on other runtimes pass `key`.
 *
 * @example
 * app.use('/api/*', createHonoRateLimit({ limiter, key: (c) => c.req.header('x-api-key') ?? 'anonymous' }));
 */
export function createHonoRateLimit(options: HonoRateLimitOptions): HonoRateLimitMiddleware {
  const handle = createRateLimitHandler(options);
  return async (context, next) => {
    const outcome = await handle(context, {
      clientAddress: () => nodeServerAddress(context.env),
      path: () => context.req.path,
      signal: () => {
        const outgoing = nodeServerResponse(context.env);
        return outgoing === undefined ? undefined : closeSignal(outgoing);
      },
    });
    if (outcome.action === 'respond') {
      return context.body(JSON.stringify(outcome.body), outcome.status, outcome.headers);
    }
    for (const [name, value] of Object.entries(outcome.headers)) context.header(name, value);
    const { release } = outcome;
    if (release !== undefined) {
      // With @hono/node-server the slot is held until the response closes (a stream included);
      // elsewhere, until the handler returns.
      const outgoing = nodeServerResponse(context.env);
      if (outgoing === undefined) {
        try {
          await next();
        } finally {
          await release();
        }
      } else {
        releaseWhenClosed(outgoing, release);
        await next();
      }
    } else await next();
    // A handler's own Response drops headers prepared on the context; values it set win.
    const headers = context.res.headers;
    for (const [name, value] of Object.entries(outcome.headers))
      if (!headers.has(name)) context.header(name, value);
    return undefined;
  };
}

/** `@hono/node-server` passes `{ incoming: IncomingMessage, outgoing }` as the env. */
/** The node:http response under `@hono/node-server` (`env.outgoing`), if there is one. */
function nodeServerResponse(env: unknown): ClosableResponse | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: Partial<ClosableResponse> }).outgoing;
  return typeof outgoing?.once === 'function' ? (outgoing as ClosableResponse) : undefined;
}

function nodeServerAddress(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: unknown } } }).incoming;
  const address = incoming?.socket?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}
