import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from '../problem.js';

/** Hosts a WebSocket may always be opened from (a page served on this machine). */
const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `Sec-WebSocket-Key`: 16 random bytes in base64 (RFC 6455 §4.1). */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;

/** Headers a browser script may read on a cross-origin response. */
const EXPOSED_HEADERS = [
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-stream-id',
].join(', ');

/** Options of {@link createOriginHook}. */
export interface OriginPolicyOptions {
  /**
   * Origins (`https://app.example.com`) that browsers may call the HTTP routes from (CORS) and
   * open WebSockets from; `*` allows any. WebSockets from the gateway's own host and from
   * localhost are always allowed.
   */
  readonly allowedOrigins: readonly string[];
}

function hostnameOf(origin: string): { host: string; hostname: string } | undefined {
  try {
    const url = new URL(origin);
    return { host: url.host, hostname: url.hostname };
  } catch {
    return undefined;
  }
}

/**
 * The `onRequest` hook for browsers: checks `Origin` and the handshake of WebSocket upgrades
 * (refused with a problem+json 403 or 400 before any upgrade), and adds CORS headers to HTTP
 * responses for allowed origins.
 */
export function createOriginHook(options: OriginPolicyOptions) {
  const anyOrigin = options.allowedOrigins.includes('*');
  const allowed = new Set(options.allowedOrigins);
  const listed = (origin: string) => anyOrigin || allowed.has(origin);

  const socketOriginAllowed = (origin: string, host: string | undefined) => {
    if (listed(origin)) return true;
    const parsed = hostnameOf(origin);
    if (!parsed) return false;
    return parsed.host === host || LOCAL_HOSTNAMES.has(parsed.hostname);
  };

  return async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (request.ws) {
      const headers = request.headers;
      const version = headers['sec-websocket-version'];
      if (
        request.method !== 'GET' ||
        headers.upgrade?.toLowerCase() !== 'websocket' ||
        !WEBSOCKET_KEY.test(headers['sec-websocket-key'] ?? '') ||
        (version !== '13' && version !== '8')
      ) {
        return sendProblem(
          reply,
          problem(400, {
            code: 'invalid_websocket_handshake',
            detail:
              'A WebSocket upgrade needs GET, Upgrade: websocket, a valid Sec-WebSocket-Key and Sec-WebSocket-Version: 13.',
          }),
          { 'Sec-WebSocket-Version': '13' },
        );
      }
      if (request.routeOptions.config?.websocket !== true) {
        return sendProblem(
          reply,
          problem(404, {
            code: 'not_found',
            detail: 'No WebSocket route matches this path.',
          }),
        );
      }
      if (origin !== undefined && !socketOriginAllowed(origin, headers.host)) {
        return sendProblem(
          reply,
          problem(403, {
            code: 'origin_not_allowed',
            detail: 'WebSockets from this origin are not allowed; see allowedOrigins.',
          }),
        );
      }
      return;
    }
    if (origin === undefined || !listed(origin)) return;
    reply.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (!anyOrigin) reply.header('Vary', 'Origin');
  };
}

/** Answers a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) for allowed origins. */
export function corsPreflight(_request: FastifyRequest, reply: FastifyReply) {
  if (!reply.hasHeader('Access-Control-Allow-Origin')) {
    return sendProblem(
      reply,
      problem(403, {
        code: 'origin_not_allowed',
        detail: 'Cross-origin requests from this origin are not allowed; see allowedOrigins.',
      }),
    );
  }
  reply.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  reply.header('Access-Control-Allow-Headers', 'authorization, content-type');
  reply.header('Access-Control-Max-Age', '600');
  return reply.code(204).send();
}
