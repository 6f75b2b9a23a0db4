import {
  type ClosableResponse,
  closeSignal,
  releaseWhenClosed,
} from '../concurrency/http-concurrency.js';
import { createRateLimitHandler } from './create-rate-limit-handler.js';
import type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';

/** The members of a `FastifyRequest` the plugin reads. */
export interface FastifyRequestLike {
  /** Client address under Fastify's `trustProxy` setting. */
  readonly ip: string;
  readonly url: string;
  /** `url` is the route pattern (`/api/items/:id`), known in `onRequest`. */
  readonly routeOptions?: { readonly url?: string | undefined };
}

/** The members of a `FastifyReply` the plugin calls. */
export interface FastifyReplyLike {
  header(name: string, value: string): unknown;
  code(statusCode: number): unknown;
  send(payload?: unknown): unknown;
  /** The node:http response: a concurrency slot is released when it closes. */
  readonly raw: ClosableResponse;
}

/** The member of a `FastifyInstance` the plugin calls. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): unknown;
}

/** Options of {@link fastifyRateLimit}; `Request` is a `FastifyRequest`. */
export type FastifyRateLimitOptions = RateLimitMiddlewareOptions<FastifyRequestLike>;

/** A Fastify plugin function (async style). */
export type FastifyRateLimitPlugin = (
  instance: FastifyInstanceLike,
  options: FastifyRateLimitOptions,
) => Promise<void>;

async function fastifyRateLimitPlugin(
  instance: FastifyInstanceLike,
  options: FastifyRateLimitOptions,
): Promise<void> {
  const handle = createRateLimitHandler(options);
  instance.addHook('onRequest', async (request, reply) => {
    // A throw here goes to Fastify's error handler (a broken resolver is a 500, not a 429).
    const outcome = await handle(request, {
      clientAddress: () => request.ip,
      path: () => request.routeOptions?.url ?? pathOf(request.url),
      signal: () => closeSignal(reply.raw),
    });
    for (const [name, value] of Object.entries(outcome.headers)) reply.header(name, value);
    if (outcome.action === 'respond') {
      reply.code(outcome.status);
      // A Buffer keeps Fastify from appending `; charset=utf-8` to the problem+json type.
      reply.send(Buffer.from(JSON.stringify(outcome.body)));
      return reply;
    }
    // A concurrency slot is held until the response is over, however it ends.
    if (outcome.release !== undefined) releaseWhenClosed(reply.raw, outcome.release);
    return undefined;
  });
}

// Skips Fastify's encapsulation so the hook covers the context the plugin is registered in,
// as `fastify-plugin` does, without depending on it.
Object.defineProperties(fastifyRateLimitPlugin, {
  [Symbol.for('skip-override')]: { value: true },
  [Symbol.for('fastify.display-name')]: { value: '@breakwater/rate-limit' },
});

/**
 * Fastify plugin: an `onRequest` hook that rate-limits every route of the context it is
 * registered in (register it at the root for the whole app, inside a plugin to scope it).
 * Every response gets `RateLimit-Policy` and `RateLimit`; a blocked request is answered with
 * 429 `application/problem+json` and `Retry-After` before the handler runs.
 *
 * @example
 * await app.register(fastifyRateLimit, { limiter, tier: (request) => tierOf(request) });
 */
export const fastifyRateLimit: FastifyRateLimitPlugin = fastifyRateLimitPlugin;

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
