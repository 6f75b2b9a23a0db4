import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityResolver } from '../identity.js';
import { readApiKey } from '../identity.js';
import { problem, sendProblem } from '../problem.js';

/** What {@link createAuthHook} checks credentials with. */
export interface AuthHookOptions {
  readonly identities: IdentityResolver;
  readonly isAdmin: (authorization: string | undefined) => boolean;
  /** The rate-limit subject of an anonymous caller's address (IPv6 grouped by prefix). */
  readonly anonymousKey: (address: string) => string;
}

/**
 * The `onRequest` hook that enforces each route's `config.auth`: sets `request.identity`
 * (user routes) and `request.isAdmin` (admin routes), or answers 401/403.
 */
export function createAuthHook(options: AuthHookOptions) {
  const { identities, isAdmin } = options;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = request.routeOptions.config?.auth ?? 'public';
    if (auth === 'public') return;
    const authorization = request.headers.authorization;
    if (auth === 'admin' || auth === 'user-or-admin') {
      if (isAdmin(authorization)) {
        request.isAdmin = true;
        return;
      }
      if (auth === 'admin') {
        return sendProblem(
          reply,
          problem(authorization ? 403 : 401, {
            code: authorization ? 'invalid_admin_token' : 'admin_token_required',
            detail: authorization
              ? 'The admin token is not valid.'
              : 'This route needs the admin bearer token.',
          }),
          authorization ? {} : { 'WWW-Authenticate': 'Bearer realm="admin"' },
        );
      }
    }
    // Only WebSocket upgrades may carry the key in the query string (browsers cannot set headers there).
    const query = request.headers.upgrade ? (request.query as Record<string, unknown>) : undefined;
    const result = identities.resolve(
      readApiKey(authorization, query),
      options.anonymousKey(request.ip),
    );
    if (!result.ok) {
      return sendProblem(
        reply,
        problem(401, {
          code: result.reason === 'missing' ? 'api_key_required' : 'invalid_api_key',
          detail:
            result.reason === 'missing'
              ? 'Send an API key as Authorization: Bearer <key>.'
              : 'The API key is not valid.',
        }),
        { 'WWW-Authenticate': 'Bearer realm="api"' },
      );
    }
    request.identity = result.identity;
  };
}
