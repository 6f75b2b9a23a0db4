import type { MetricsSource } from './prom-client-backend.js';

/** The part of a node:http (or Express) response the handler writes to. */
export interface NodeResponseLike {
  /** The status code to send. */
  statusCode: number;
  /** Sets a response header. */
  setHeader(name: string, value: string): unknown;
  /** Sends the body and ends the response. */
  end(body?: string): unknown;
}

/** The part of a Fastify reply the handler sets. */
export interface FastifyMetricsReply {
  /** Sets the Content-Type of the reply. */
  type(contentType: string): unknown;
}

function checkSource(source: MetricsSource): void {
  if (typeof source?.metrics !== 'function') {
    throw new TypeError(
      'source must have metrics() and contentType (a Metrics, a Registry or a cluster aggregator)',
    );
  }
}

/**
 * A /metrics handler for node:http and Express: `http.createServer(handler)` or
 * `app.get('/metrics', handler)`. A failed scrape goes to Express' `next(error)`, or becomes
 * a 500 without it.
 *
 * @example
 * app.get('/metrics', createNodeMetricsHandler(metrics));
 */
export function createNodeMetricsHandler(
  source: MetricsSource,
): (
  request: unknown,
  response: NodeResponseLike,
  next?: (error?: unknown) => void,
) => Promise<void> {
  checkSource(source);
  return async (_request, response, next) => {
    let body: string;
    try {
      body = await source.metrics();
    } catch (error) {
      if (next) {
        next(error);
        return;
      }
      response.statusCode = 500;
      response.setHeader('Content-Type', 'text/plain; charset=utf-8');
      response.end(
        `metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return;
    }
    response.statusCode = 200;
    response.setHeader('Content-Type', source.contentType);
    response.end(body);
  };
}

/**
 * A /metrics route handler for Fastify: `fastify.get('/metrics', handler)`. A failed scrape
 * rejects, so Fastify's error handler answers it.
 */
export function createFastifyMetricsHandler(
  source: MetricsSource,
): (request: unknown, reply: FastifyMetricsReply) => Promise<string> {
  checkSource(source);
  return async (_request, reply) => {
    const body = await source.metrics();
    reply.type(source.contentType);
    return body;
  };
}

/**
 * A /metrics handler returning a web `Response`, for Hono (`app.get('/metrics', handler)`)
 * and other fetch-style servers. A failed scrape answers 500.
 */
export function createFetchMetricsHandler(source: MetricsSource): () => Promise<Response> {
  checkSource(source);
  return async () => {
    try {
      const body = await source.metrics();
      return new Response(body, { status: 200, headers: { 'Content-Type': source.contentType } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return new Response(`metrics unavailable: ${message}\n`, {
        status: 500,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }
  };
}
