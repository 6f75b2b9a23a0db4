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
import { clientAddressKey, createProviderQuotaTracker } from '@breakwater/rate-limit';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { collectDefaultMetrics } from 'prom-client';
import { type ChatPipeline, createChatPipeline } from './chat-pipeline.js';
import { createConcurrencySlots } from './concurrency-slots.js';
import { type GatewayConfig, resolveConfig } from './config.js';
import type { ClosableSocket } from './fastify-decorations.js';
import { createGatewayLimiter, type GatewayLimiter } from './gateway-limiter.js';
import { createHealthCheck } from './health.js';
import { createAuthHook } from './hooks/auth-hook.js';
import {
  clientErrorHandler,
  frameworkErrors,
  installErrorHandlers,
} from './hooks/error-handlers.js';
import { installJsonBodyParser } from './hooks/json-body-parser.js';
import { corsPreflight, createOriginHook } from './hooks/origin-hook.js';
import {
  ANONYMOUS_TIER,
  createAdminCheck,
  createIdentityResolver,
  generateAdminToken,
} from './identity.js';
import { createModelCatalog, type ModelCatalog } from './model-catalog.js';
import { createModelSlots } from './model-slots.js';
import { createResponseCache, type ResponseCache } from './response-cache.js';
import { routePlugins } from './routes/index.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { createTaskTypeLabels } from './task-type.js';
import { startTracing } from './tracing.js';

/** IPv6 prefix that identifies one anonymous client (a customer's delegation, as the rate-limit middleware assumes). */
const ANONYMOUS_IPV6_PREFIX = 56;

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
  readonly sockets: Set<ClosableSocket>;
  /** The tier of a user id: from the API keys, FREE for anonymous and unknown users. */
  tierOf(userId: string): string;
  /** Starts listening; resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Graceful shutdown: stop accepting, cancel open streams (clients get a cancelled event), flush, close. */
  close(): Promise<void>;
}

function stripQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : `${url.slice(0, index)}?…`;
}

/**
 * Builds the gateway: models, breakers, rate limiter, response cache, stream managers,
 * metrics, and the Fastify app, decorated with them, with every route plugin of
 * `routes/index.ts`. Nothing listens until `listen()`.
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
  // What each provider's answers say is left of its quota, per provider and model (this process).
  const quotas = createProviderQuotaTracker();
  const catalog = await createModelCatalog(config, (key, response) => quotas.update(key, response));

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      })
    : undefined;
  // A Redis that does not answer at start is an outage like one during the run: the limits,
  // slots and cache use their fallbacks (health says degraded) while ioredis keeps reconnecting.
  let redisAtStart: unknown;
  if (redis) {
    redis.on('error', () => {
      // Failures surface through the breakers and the limiter's fallback; ioredis reconnects.
    });
    await redis.connect().catch((error: unknown) => {
      redisAtStart = error;
    });
  }

  const mockPrices = Object.fromEntries(
    catalog.models
      .filter((model) => model.provider === 'mock')
      .map((model) => [model.upstreamModel, MOCK_PRICE]),
  );
  const metrics = createMetrics({
    costCalculator: createCostCalculator({ prices: { ...mockPrices, ...config.prices } }),
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
  breakers.get('database', { timeoutMs: config.redisTimeoutMs * 2 });

  const limiter = createGatewayLimiter({
    redis,
    tiers: config.tiers,
    redisTimeoutMs: config.redisTimeoutMs,
    maxAnonymousClients: config.maxAnonymousClients,
  });
  const cache = config.cache.enabled
    ? createResponseCache({ maxEntries: config.cache.maxEntries, ttlMs: config.cache.ttlMs, redis })
    : undefined;
  const sessions = createSessionStore({ redis, ...config.sessions });
  const slots = createConcurrencySlots({
    perUser: config.concurrency.perUser,
    maxWaitMs: config.concurrency.maxWaitMs,
    redis,
    redisTimeoutMs: config.redisTimeoutMs,
  });
  const modelSlots = createModelSlots({ redis, redisTimeoutMs: config.redisTimeoutMs, quotas });
  const streams = createStreamManager({ retry: config.retry, ...config.streamLimits });
  const cacheStreams = createStreamManager({ retry: false });
  const taskTypes = createTaskTypeLabels(config.taskTypes);

  const unsubscribe = [
    instrumentBreakers(metrics, breakers),
    limiter.instrument(metrics),
    slots.instrument(metrics),
    modelSlots.instrument(metrics),
    // Cost by task: the chat pipeline keeps the request's task_type in each stream's metadata;
    // labels beyond the allowlist and budget fold into `other`.
    instrumentStreams(metrics, streams, {
      taskType: (stream) =>
        typeof stream.metadata.task_type === 'string'
          ? taskTypes.labelOf(stream.metadata.task_type)
          : undefined,
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
    clientErrorHandler,
    frameworkErrors,
    logger: config.logger
      ? {
          level: 'info',
          ...(typeof config.logger === 'object' ? { stream: config.logger.destination } : {}),
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

  if (redisAtStart !== undefined) {
    app.log.warn(
      { err: redisAtStart },
      'Redis does not answer; serving on the fallbacks until it does',
    );
  }

  const chat = createChatPipeline({
    config,
    catalog,
    streams,
    cacheStreams,
    cache,
    cacheGuard: cacheBreaker,
    guards: { guardFor: (name) => breakers.get(name) },
    budget: limiter,
    slots,
    modelSlots,
    concurrencyOf: (tier) => limiter.concurrencyOf(tier),
    log: app.log,
  });

  const sockets = new Set<ClosableSocket>();
  const tierOf = (userId: string) =>
    config.apiKeys.find((entry) => entry.userId === userId)?.tier ?? ANONYMOUS_TIER;
  const health = createHealthCheck({
    breakers,
    limiter,
    catalog,
    cache,
    redis,
    redisTimeoutMs: config.redisTimeoutMs,
    requiredBreakers: ['database'],
    activeStreams: () => streams.size + cacheStreams.size,
  });

  app
    .decorate('gatewayConfig', config)
    .decorate('catalog', catalog)
    .decorate('breakers', breakers)
    .decorate('limiter', limiter)
    .decorate('concurrencySlots', slots)
    .decorate('metrics', metrics)
    .decorate('streams', streams)
    .decorate('cacheStreams', cacheStreams)
    .decorate('responseCache', cache)
    .decorate('sessions', sessions)
    .decorate('redis', redis)
    .decorate('chat', chat)
    .decorate('health', health)
    .decorate('taskTypes', taskTypes)
    .decorate('assistantSockets', sockets)
    .decorate('tierOf', tierOf);

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
    tierOf,
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
  });
  installErrorHandlers(app);
  installJsonBodyParser(app);
  await app.register(websocket, { options: { maxPayload: config.bodyLimitBytes } });
  // After the websocket plugin's own hook, which marks upgrade requests (`request.ws`).
  app.addHook('onRequest', createOriginHook({ allowedOrigins: config.allowedOrigins }));
  app.addHook(
    'onRequest',
    createAuthHook({
      identities,
      isAdmin,
      anonymousKey: (address) => clientAddressKey(address, ANONYMOUS_IPV6_PREFIX),
    }),
  );
  app.options('*', { config: { auth: 'public' } }, corsPreflight);
  for (const plugin of routePlugins) await app.register(plugin);
  return gateway;
}
