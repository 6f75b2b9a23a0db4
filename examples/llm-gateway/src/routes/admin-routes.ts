import { createFastifyMetricsHandler } from '@breakwater/metrics';
import type { FastifyPluginAsync } from 'fastify';
import { activeStreamJson } from '../active-stream-json.js';
import { breakerJson } from '../breaker-json.js';
import { problem, sendProblem } from '../problem.js';
import { emptyQuery, nameParam } from '../schemas.js';

/** Health, quota, circuit-breaker, streaming and metrics routes. */
export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { breakers, limiter, streams, cacheStreams } = app;

  app.get(
    '/metrics',
    { config: { auth: 'public' }, schema: { querystring: emptyQuery } },
    createFastifyMetricsHandler(app.metrics),
  );

  app.get(
    '/api/health',
    { config: { auth: 'public' }, schema: { querystring: emptyQuery } },
    async (_request, reply) => reply.code(200).send(await app.health()),
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
      const tier = request.isAdmin ? app.tierOf(userId) : request.identity!.tier;
      const [quota, concurrency] = await Promise.all([
        limiter.getQuota(userId, tier),
        app.concurrencySlots.usage(userId, limiter.concurrencyOf(tier)),
      ]);
      return { ...quota, concurrency };
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
      return { active_streams: visible.map(activeStreamJson), count: visible.length };
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
      const live = streams.get(id) ?? cacheStreams.get(id);
      // The owner is read when someone asks to cancel, not recorded for every stream.
      const owner = live?.metadata.user_id;
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
};
