import { createFastifyMetricsHandler } from '@breakwater/metrics';
import type { FastifyInstance } from 'fastify';
import { breakerJson } from '../breaker-json.js';
import type { Gateway } from '../gateway.js';
import { sendProblem } from '../gateway.js';
import { problem } from '../problem.js';
import { emptyQuery, nameParam } from '../schemas.js';

/** Health, quota, circuit-breaker, streaming and metrics routes. */
export async function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  const { breakers, limiter, streams, cacheStreams, cache, redis, catalog } = gateway;

  app.get(
    '/metrics',
    { config: { auth: 'public' }, schema: { querystring: emptyQuery } },
    createFastifyMetricsHandler(gateway.metrics),
  );

  app.get(
    '/api/health',
    { config: { auth: 'public' }, schema: { querystring: emptyQuery } },
    async (_request, reply) => {
      const snapshots = breakers.list();
      const open = snapshots.filter(
        (snapshot) => snapshot.state !== 'CLOSED' && snapshot.state !== 'DISABLED',
      );
      // ioredis knows whether its connection is up; a ping here would only add a round trip.
      const redisState = !redis ? 'disabled' : redis.status === 'ready' ? 'ready' : 'unavailable';
      const modelBreakersOpen = catalog.models.every((model) =>
        open.some((snapshot) => snapshot.name === model.breakerName),
      );
      const status = modelBreakersOpen || redisState === 'unavailable' ? 'degraded' : 'healthy';
      return reply.code(200).send({
        status,
        circuit_breakers: {
          all_closed: open.length === 0,
          open: open.map((snapshot) => snapshot.name),
        },
        cache: cache
          ? { enabled: true, backend: cache.backend, keys: cache.size }
          : { enabled: false, backend: null, keys: 0 },
        redis: redisState,
        rate_limit: { backend: limiter.backend, fallback_engaged: limiter.fallbackEngaged },
        models: catalog.models.map((model) => ({
          name: model.name,
          provider: model.provider,
          model: model.upstreamModel,
        })),
        disabled_models: catalog.disabled,
        active_streams: streams.size + cacheStreams.size,
      });
    },
  );

  app.get<{ Params: { user_id: string } }>(
    '/api/rate-limit/quota/:user_id',
    {
      config: { auth: 'user-or-admin' },
      schema: { params: nameParam('user_id'), querystring: emptyQuery },
    },
    async (request, reply) => {
      const userId = request.params.user_id;
      if (!request.isAdmin && request.identity?.userId !== userId) {
        return sendProblem(
          reply,
          problem(403, { code: 'forbidden', detail: 'You may read your own quota only.' }),
        );
      }
      const tier = request.isAdmin ? gateway.tierOf(userId) : request.identity!.tier;
      return limiter.getQuota(userId, tier);
    },
  );

  app.post<{ Params: { user_id: string } }>(
    '/api/rate-limit/reset/:user_id',
    {
      config: { auth: 'admin' },
      schema: { params: nameParam('user_id'), querystring: emptyQuery },
    },
    async (request) => {
      await limiter.reset(request.params.user_id);
      return { user_id: request.params.user_id, reset: true };
    },
  );

  app.get(
    '/api/circuit-breakers',
    { config: { auth: 'user-or-admin' }, schema: { querystring: emptyQuery } },
    async () => {
      const list = breakers.list().map(breakerJson);
      return { circuit_breakers: list, count: list.length };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/circuit-breakers/:name',
    {
      config: { auth: 'user-or-admin' },
      schema: { params: nameParam('name'), querystring: emptyQuery },
    },
    async (request, reply) => {
      if (!breakers.has(request.params.name)) {
        return sendProblem(
          reply,
          problem(404, {
            code: 'breaker_not_found',
            detail: `No circuit breaker named ${request.params.name}.`,
          }),
        );
      }
      return breakerJson(breakers.get(request.params.name).snapshot());
    },
  );

  app.post(
    '/api/circuit-breakers/reset-all',
    { config: { auth: 'admin' }, schema: { querystring: emptyQuery } },
    async () => {
      breakers.resetAll();
      return { reset: breakers.list().map((snapshot) => snapshot.name) };
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/circuit-breakers/:name/reset',
    { config: { auth: 'admin' }, schema: { params: nameParam('name'), querystring: emptyQuery } },
    async (request, reply) => {
      if (!breakers.reset(request.params.name)) {
        return sendProblem(
          reply,
          problem(404, {
            code: 'breaker_not_found',
            detail: `No circuit breaker named ${request.params.name}.`,
          }),
        );
      }
      return breakerJson(breakers.get(request.params.name).snapshot());
    },
  );

  app.get(
    '/api/streaming/active',
    { config: { auth: 'user-or-admin' }, schema: { querystring: emptyQuery } },
    async (request) => {
      const all = [...streams.active(), ...cacheStreams.active()];
      // Users see their own streams; the admin sees everyone's.
      const visible = request.isAdmin
        ? all
        : all.filter((info) => info.metadata.user_id === request.identity?.userId);
      return { active_streams: visible, count: visible.length };
    },
  );

  app.post<{ Params: { stream_id: string } }>(
    '/api/streaming/:stream_id/cancel',
    {
      config: { auth: 'user-or-admin' },
      schema: { params: nameParam('stream_id'), querystring: emptyQuery },
    },
    async (request, reply) => {
      const id = request.params.stream_id;
      const owner = gateway.streamOwners.get(id);
      const live = streams.get(id) ?? cacheStreams.get(id);
      if (!live || (!request.isAdmin && owner !== request.identity?.userId)) {
        return sendProblem(
          reply,
          problem(404, { code: 'stream_not_found', detail: `No active stream ${id} of yours.` }),
        );
      }
      const cancelled =
        streams.cancel(id, 'cancelled_by_api') || cacheStreams.cancel(id, 'cancelled_by_api');
      return { stream_id: id, cancelled };
    },
  );
}
