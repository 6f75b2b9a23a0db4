import type { Duplex } from 'node:stream';
import { type BreakerRegistry, createBreakerRegistry } from '@breakwater/circuit-breaker';
import { createStreamManager, type StreamManager } from '@breakwater/llm-stream';
import {
  createCostCalculator,
  createMetrics,
  instrumentBreakers,
  instrumentCache,
  instrumentStreams,
  type Metrics,
} from '@breakwater/metrics';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Redis } from 'ioredis';
import { collectDefaultMetrics } from 'prom-client';
import { type ChatPipeline, createChatPipeline } from './chat-pipeline.js';
import { type GatewayConfig, resolveConfig } from './config.js';
import { createGatewayLimiter, type GatewayLimiter } from './gateway-limiter.js';
import {
  ANONYMOUS_TIER,
  createAdminCheck,
  createIdentityResolver,
  generateAdminToken,
  type Identity,
  readApiKey,
} from './identity.js';
import { createModelCatalog, type ModelCatalog } from './model-catalog.js';
import { isProblemError, PROBLEM_CONTENT_TYPE, type Problem, problem } from './problem.js';
import { createResponseCache, type ResponseCache } from './response-cache.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAssistantSocket } from './routes/assistant-socket.js';
import { registerChatRoutes } from './routes/chat-routes.js';
import { registerPlaygroundRoutes } from './routes/playground-routes.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { startTracing } from './tracing.js';

/** Who may call a route. */
export type RouteAuth = 'public' | 'user' | 'admin' | 'user-or-admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. @default 'public' */
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** The caller, for `user` and `user-or-admin` routes. */
    identity?: Identity;
    /** True when the admin token was presented on an `admin` or `user-or-admin` route. */
    isAdmin?: boolean;
  }
}

/**
 * Connections the kernel queues before the gateway accepts them (Node's default is 511; Linux
 * caps it at net.core.somaxconn). Thousands of streaming clients connecting while the event
 * loop is busy would otherwise overflow the queue and see their connections reset.
 */
const LISTEN_BACKLOG = 4096;

/** Made-up prices for the mock models, so cost panels have data without a provider key. */
const MOCK_PRICE = { provider: 'mock', inputPerToken: 0.5e-6, outputPerToken: 1.5e-6 } as const;

/** Everything {@link buildGateway} wires together, for routes, tests and shutdown. */
export interface Gateway {
  readonly app: FastifyInstance;
  readonly config: GatewayConfig;
  /** The admin bearer token in force (configured or generated). */
  readonly adminToken: string;
  /** True when no admin token was configured and this one was generated at start. */
  readonly adminTokenGenerated: boolean;
  readonly catalog: ModelCatalog;
  readonly breakers: BreakerRegistry;
  readonly limiter: GatewayLimiter;
  readonly metrics: Metrics;
  /** Model streams. */
  readonly streams: StreamManager;
  /** Cache replays (kept apart so they never count as model calls). */
  readonly cacheStreams: StreamManager;
  readonly cache: ResponseCache | undefined;
  readonly sessions: SessionStore;
  readonly redis: Redis | undefined;
  readonly chat: ChatPipeline;
  /** Open assistant WebSockets, closed on shutdown. */
  readonly sockets: Set<{ close(code?: number, reason?: string): void }>;
  /** The tier of a user id: from the API keys, FREE for anonymous and unknown users. */
  tierOf(userId: string): string;
  /** Stream id → user id of its owner, for cancel and listing. */
  readonly streamOwners: Map<string, string>;
  /** Starts listening; resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Graceful shutdown: stop accepting, cancel open streams (clients get a cancelled event), flush, close. */
  close(): Promise<void>;
}

/** Sends an RFC 9457 problem detail. */
export function sendProblem(
  reply: FastifyReply,
  value: Problem,
  headers: Readonly<Record<string, string>> = {},
): FastifyReply {
  for (const [name, headerValue] of Object.entries(headers)) reply.header(name, headerValue);
  return reply.code(value.status).type(PROBLEM_CONTENT_TYPE).send(value);
}

function stripQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : `${url.slice(0, index)}?…`;
}

/**
 * Builds the gateway: models, breakers, rate limiter, response cache, stream managers,
 * metrics, and the Fastify app with every route. Nothing listens until `listen()`.
 */
export async function buildGateway(input: Partial<GatewayConfig> = {}): Promise<Gateway> {
  const config = resolveConfig(input);
  const adminTokenGenerated = config.adminToken === undefined;
  const adminToken = config.adminToken ?? generateAdminToken();
  const isAdmin = createAdminCheck(adminToken);
  const identities = createIdentityResolver({
    apiKeys: config.apiKeys,
    requireApiKey: config.requireApiKey,
  });
  const catalog = await createModelCatalog(config);

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      })
    : undefined;
  if (redis) {
    redis.on('error', () => {
      // Failures surface through the breakers and the limiter's fallback; ioredis reconnects.
    });
    await redis.connect();
  }

  const mockPrices = Object.fromEntries(
    catalog.models
      .filter((model) => model.provider === 'mock')
      .map((model) => [model.upstreamModel, MOCK_PRICE]),
  );
  const metrics = createMetrics({
    costCalculator: createCostCalculator({ prices: mockPrices }),
    allowModels: catalog.models.map((model) => model.upstreamModel),
  });
  collectDefaultMetrics({ register: metrics.registry });

  const breakers = createBreakerRegistry({
    defaults: {
      failureThreshold: config.breaker.failureThreshold,
      openDurationMs: config.breaker.openDurationMs,
    },
  });
  for (const model of catalog.models) breakers.get(model.breakerName);
  const cacheBreaker = breakers.get('cache', { timeoutMs: config.redisTimeoutMs });
  const databaseBreaker = breakers.get('database', { timeoutMs: config.redisTimeoutMs * 2 });

  const limiter = createGatewayLimiter({
    redis,
    tiers: config.tiers,
    redisTimeoutMs: config.redisTimeoutMs,
  });
  const cache = config.cache.enabled
    ? createResponseCache({ maxEntries: config.cache.maxEntries, ttlMs: config.cache.ttlMs, redis })
    : undefined;
  const sessions = createSessionStore({ redis });
  const streams = createStreamManager({ retry: config.retry });
  const cacheStreams = createStreamManager({ retry: false });

  const unsubscribe = [
    instrumentBreakers(metrics, breakers),
    limiter.instrument(metrics),
    // Cost by task: the chat pipeline keeps the request's task_type in each stream's metadata.
    instrumentStreams(metrics, streams, {
      taskType: (stream) =>
        typeof stream.metadata.task_type === 'string' ? stream.metadata.task_type : undefined,
    }),
    ...(cache ? [instrumentCache(metrics, cache)] : []),
  ];
  // OpenTelemetry spans of model calls, when OTEL_EXPORTER_OTLP_*ENDPOINT is set.
  const tracing = startTracing(streams);

  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    forceCloseConnections: true,
    return503OnClosing: true,
    logger: config.logger
      ? {
          level: 'info',
          // API keys may travel in the query string (browser WebSockets): never log it.
          serializers: {
            req: (request: { method: string; url: string; ip?: string }) => ({
              method: request.method,
              url: stripQuery(request.url),
              remoteAddress: request.ip,
            }),
          },
        }
      : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  const chat = createChatPipeline({
    config,
    catalog,
    streams,
    cacheStreams,
    cache,
    cacheGuard: cacheBreaker,
    guards: { guardFor: (name) => breakers.get(name) },
    budget: limiter,
    log: app.log,
  });

  const sockets = new Set<{ close(code?: number, reason?: string): void }>();
  const streamOwners = new Map<string, string>();
  for (const manager of [streams, cacheStreams]) {
    manager.on('start', (event) => {
      const owner = manager.getStream(event.stream_id)?.info().metadata.user_id;
      if (typeof owner === 'string') streamOwners.set(event.stream_id, owner);
    });
    for (const end of ['complete', 'error', 'cancelled'] as const) {
      manager.on(end, (event: { stream_id: string }) => streamOwners.delete(event.stream_id));
    }
  }

  const upgraded = new Set<Duplex>();
  app.server.on('upgrade', (_request, socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });

  let closing = false;
  const gateway: Gateway = {
    app,
    config,
    adminToken,
    adminTokenGenerated,
    catalog,
    breakers,
    limiter,
    metrics,
    streams,
    cacheStreams,
    cache,
    sessions,
    redis,
    chat,
    sockets,
    streamOwners,
    tierOf: (userId) =>
      config.apiKeys.find((entry) => entry.userId === userId)?.tier ?? ANONYMOUS_TIER,
    async listen(port = config.port, host = config.host) {
      return app.listen({ port, host, backlog: LISTEN_BACKLOG });
    },
    async close() {
      if (closing) return;
      closing = true;
      // Streams first, so SSE and WebSocket clients receive a cancelled event before the sockets go.
      streams.cancelAll('shutdown');
      cacheStreams.cancelAll('shutdown');
      await new Promise((resolve) => setImmediate(resolve));
      for (const socket of sockets) socket.close(1001, 'server shutting down');
      // Upgraded connections are outside the HTTP server's own bookkeeping: end any that linger.
      const linger = setTimeout(() => {
        for (const socket of upgraded) socket.destroy();
      }, 2000);
      linger.unref();
      await app.close();
      clearTimeout(linger);
      // Token commits and cache writes of the cancelled streams go out before Redis closes.
      await chat.drain();
      for (const stop of unsubscribe) stop();
      await tracing?.close();
      breakers.dispose();
      await limiter.close();
      catalog.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };

  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      metrics.recordHttpRequest({
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.raw.statusCode,
        durationMs: performance.now() - started,
      });
    });
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
    const result = identities.resolve(readApiKey(authorization, query), request.ip);
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
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, {
        code: 'not_found',
        detail: `No route for ${request.method} ${stripQuery(request.url)}.`,
      }),
    ),
  );

  app.setErrorHandler(
    (
      error: Error & { statusCode?: number; code?: string; validation?: unknown[] },
      request,
      reply,
    ) => {
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
    },
  );

  await app.register(websocket, { options: { maxPayload: config.bodyLimitBytes } });
  await app.register(async (scope) => registerAdminRoutes(scope, gateway));
  await app.register(async (scope) => registerChatRoutes(scope, gateway));
  await app.register(async (scope) => registerAssistantSocket(scope, gateway, databaseBreaker));
  await app.register(registerPlaygroundRoutes, { catalog, costCalculator: metrics.costCalculator });
  return gateway;
}
