import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  isProblemError,
  PROBLEM_CONTENT_TYPE,
  problem,
  problemBody,
  sendProblem,
} from '../problem.js';

/** Longest request target accepted (414 above it); Node's header limit (431) is 16 KiB. */
export const MAX_URL_LENGTH = 8192;

/** Status of a request Node's HTTP parser refused, by its error code. */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Answers requests Node's HTTP parser refuses before Fastify sees them (bad Transfer-Encoding,
 * duplicate Content-Length, oversized headers, malformed request lines) with problem+json,
 * then closes the connection: after a parse error nothing more on it can be trusted.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = clientErrorStatus(error.code);
  const body = JSON.stringify(
    problemBody(
      problem(status, {
        code: status === 431 ? 'headers_too_large' : 'malformed_request',
        detail:
          status === 431
            ? 'The request headers (or the request line) are too large.'
            : 'The request could not be parsed as HTTP/1.1.',
      }),
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Makes every error problem+json: unknown routes (without echoing the path), schema
 * violations, Fastify's own 4xx errors and thrown errors (500 without details).
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.url !== undefined && request.raw.url.length > MAX_URL_LENGTH) {
      return sendProblem(
        reply,
        problem(414, {
          code: 'uri_too_long',
          detail: `The request target is longer than ${MAX_URL_LENGTH} characters.`,
        }),
      );
    }
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, {
        code: 'not_found',
        detail: `No route matches ${request.method} on this path.`,
      }),
    ),
  );

  app.setErrorHandler((error: FastifyError & { validation?: unknown[] }, request, reply) => {
    if (isProblemError(error)) return sendProblem(reply, error.problem, error.headers);
    if (error.validation) {
      return sendProblem(
        reply,
        problem(400, {
          code: 'invalid_request',
          detail: error.message,
          errors: error.validation,
        }),
      );
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(
        reply,
        problem(status, {
          code: 'internal_error',
          detail: 'The gateway failed to handle the request.',
        }),
      );
    }
    // Fastify's own 4xx errors (bad JSON, body too large, bad media type) have safe messages.
    return sendProblem(
      reply,
      problem(status, {
        code: error.code?.toLowerCase() ?? 'bad_request',
        detail: error.message,
      }),
    );
  });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a path that is not valid
 * percent-encoding), answered with problem+json and without quoting the path.
 */
export function frameworkErrors(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const badUrl = error.code === 'FST_ERR_BAD_URL';
  sendProblem(
    reply,
    problem(400, {
      code: badUrl ? 'bad_url' : 'bad_request',
      detail: badUrl
        ? 'The request path is not valid percent-encoding.'
        : 'The request is not valid.',
    }),
  );
}
